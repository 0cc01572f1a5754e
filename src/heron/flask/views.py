"""``flask.views``: class-based views (:class:`View`, :class:`MethodView`) for ``heron.flask``.

Called by user code (``app.add_url_rule("/x", view_func=MyView.as_view("x"))``); the
view functions it makes call ``current_app.ensure_sync`` and read ``request.method``
from ``heron.flask.globals`` on every request.

Those two globals are looked up through :func:`_current_app` and :func:`_request`, which
import ``heron.flask.globals`` when first called, not when this module is imported: a
views module can then be imported (and its classes declared) before any app exists, and
the globals module may import whatever it needs without an import cycle through here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

from heron.flask import globals as _globals

if TYPE_CHECKING:
    from heron.flask.typing import ResponseReturnValue, RouteCallable

__all__ = ["MethodView", "View", "http_method_funcs"]

#: The method names a :class:`MethodView` subclass may define, lower-case (Flask's set).
http_method_funcs = frozenset(["get", "post", "head", "options", "delete", "put", "trace", "patch"])


class _App(Protocol):
    """What a view needs of the current app: running sync or async code the same way."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]: ...


class _Request(Protocol):
    """What a :class:`MethodView` needs of the current request."""

    @property
    def method(self) -> str: ...


class _ViewFunction(Protocol):
    """The function :meth:`View.as_view` returns, with the attributes it sets."""

    __name__: str
    view_class: type[View]
    methods: Collection[str] | None
    provide_automatic_options: bool | None

    def __call__(self, **kwargs: Any) -> ResponseReturnValue: ...


def _current_app() -> _App:
    """The app handling the current request (``heron.flask.globals.current_app``)."""
    # Checked against the protocol here, so only ``ensure_sync`` matters to this module.
    app: _App = _globals.current_app
    return app


def _request() -> _Request:
    """The current request (``heron.flask.globals.request``)."""
    current: _Request = _globals.request
    return current


class View:
    """A class-based view: subclass it, override :meth:`dispatch_request`, call :meth:`as_view`.

    Example::

        class Hello(View):
            init_every_request = False

            def dispatch_request(self, name):
                return f"Hello, {name}!"

        app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello"))

    Class attributes:

    * ``methods``: the methods the route is registered for; None means the route's
      default (GET, HEAD, OPTIONS).
    * ``provide_automatic_options``: whether OPTIONS is answered automatically; None
      means the route's default (yes).
    * ``decorators``: applied to the generated view function in list order, so the
      first one is the innermost (as if it were the bottom ``@`` line). Decorators on the
      class itself do not reach the view function.
    * ``init_every_request``: True builds a new instance per request; False builds one
      instance in :meth:`as_view` and reuses it, so request data must go on ``g``, not
      ``self``.
    """

    methods: ClassVar[Collection[str] | None] = None
    provide_automatic_options: ClassVar[bool | None] = None
    decorators: ClassVar[list[Callable[..., Any]]] = []
    init_every_request: ClassVar[bool] = True

    def dispatch_request(self) -> ResponseReturnValue:
        """Answer the request; subclasses override it.

        The URL rule's variables are passed as keyword arguments.

        Returns:
            Any value a view function may return.

        Raises:
            NotImplementedError: Not overridden.
        """
        raise NotImplementedError()

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> RouteCallable:
        """Turn the class into a view function to register for a route.

        The function has the attributes ``view_class`` (this class; replace it on the
        function to instantiate another class, e.g. in a test), ``methods`` and
        ``provide_automatic_options`` (copied from the class), and the name ``name``, the
        class's docstring and module.

        Args:
            name: The view function's name (the endpoint when registered without one).
            *class_args: Passed to the class on instantiation.
            **class_kwargs: Passed to the class on instantiation.

        Returns:
            The view function, wrapped in the class's :attr:`decorators`.
        """
        view: Callable[..., Any]
        if cls.init_every_request:

            def view(**kwargs: Any) -> ResponseReturnValue:
                # COMPAT(flask): the class is read from the returned function on each
                # call, so replacing its ``view_class`` takes effect.
                instance = exposed.view_class(*class_args, **class_kwargs)
                return _call(instance.dispatch_request, kwargs)

        else:
            shared = cls(*class_args, **class_kwargs)

            def view(**kwargs: Any) -> ResponseReturnValue:
                return _call(shared.dispatch_request, kwargs)

        if cls.decorators:
            # Named before decorating, so wrappers built with functools.wraps (and
            # decorators registering by name) see the view's name and module.
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)

        exposed = cast("_ViewFunction", view)
        exposed.view_class = cls
        exposed.__name__ = name
        exposed.__doc__ = cls.__doc__
        exposed.__module__ = cls.__module__
        exposed.methods = cls.methods
        exposed.provide_automatic_options = cls.provide_automatic_options
        return exposed


class MethodView(View):
    """A view dispatching each request to the method named after its HTTP method.

    ``get`` answers GET (and HEAD, unless ``head`` is defined), ``post`` answers POST, and
    so on. ``methods`` is set from the methods the class defines or inherits, unless the
    class sets it itself.

    Example::

        class CounterAPI(MethodView):
            def get(self):
                return str(session.get("counter", 0))

            def post(self):
                session["counter"] = session.get("counter", 0) + 1
                return redirect(url_for("counter"))

        app.add_url_rule("/counter", view_func=CounterAPI.as_view("counter"))
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return  # set explicitly on this class: kept as written
        methods: set[str] = set()
        # COMPAT(flask): the bases' ``methods`` are included even when they were set by
        # hand (a mixin's ``methods = ["PUT"]``), then every method name the class has.
        for base in cls.__bases__:
            inherited = getattr(base, "methods", None)
            if inherited:
                methods.update(inherited)
        methods.update(name.upper() for name in http_method_funcs if hasattr(cls, name))
        if methods:
            cls.methods = methods

    def dispatch_request(self, **kwargs: Any) -> ResponseReturnValue:
        """Call the method named after the request's HTTP method, lower-case.

        A HEAD request falls back to ``get`` when the class has no ``head``.

        Args:
            **kwargs: The URL rule's variables, passed on.

        Returns:
            What the method returns.

        Raises:
            AssertionError: The class has no method for the request's HTTP method.
        """
        method = _request().method
        handler = getattr(self, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            # COMPAT(flask): Flask asserts; raised explicitly so ``python -O`` keeps it.
            raise AssertionError(f"Unimplemented method {method!r}")
        return _call(handler, kwargs)


def _call(func: Callable[..., Any], kwargs: dict[str, Any]) -> ResponseReturnValue:
    """Call ``func`` through the app's ``ensure_sync``, so async views work as sync ones."""
    result: ResponseReturnValue = _current_app().ensure_sync(func)(**kwargs)
    return result
