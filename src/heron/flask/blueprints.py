"""Flask's ``Blueprint``: a group of routes, hooks, handlers and folders registered on an app.

Called by user code (``bp = Blueprint("blog", __name__, url_prefix="/blog")``,
``app.register_blueprint(bp)``). A blueprint records what is registered on it as deferred
functions; registering it on an app replays them with a :class:`BlueprintSetupState`
(the URL prefix, subdomain, URL defaults and the dotted name), and copies its hooks,
error handlers and context processors into the app's dictionaries under its name.
Blueprints nest (``parent.register_blueprint(child)``): the child's endpoints are
``parent.child.view`` and its URL prefix follows the parent's.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from heron.flask.scaffold import Scaffold, _endpoint_from_view_func, setupmethod

if TYPE_CHECKING:
    from heron.flask.app import Flask

__all__ = ["Blueprint", "BlueprintSetupState"]

_F = TypeVar("_F", bound=Callable[..., Any])
DeferredSetupFunction = Callable[["BlueprintSetupState"], None]


class BlueprintSetupState:
    """How one registration of a blueprint adds its rules to the app.

    Args:
        blueprint: The blueprint.
        app: The application.
        options: The options of ``register_blueprint``.
        first_registration: Whether it is the blueprint's first registration on this app.
    """

    def __init__(
        self, blueprint: Blueprint, app: Flask, options: Any, first_registration: bool
    ) -> None:
        self.app = app
        self.blueprint = blueprint
        self.options = options
        self.first_registration = first_registration
        subdomain = self.options.get("subdomain")
        if subdomain is None:
            subdomain = self.blueprint.subdomain
        self.subdomain: str | None = subdomain
        url_prefix = self.options.get("url_prefix")
        if url_prefix is None:
            url_prefix = self.blueprint.url_prefix
        self.url_prefix: str | None = url_prefix
        self.name: str = self.options.get("name", blueprint.name)
        self.name_prefix: str = self.options.get("name_prefix", "")
        self.url_defaults: dict[str, Any] = dict(self.blueprint.url_values_defaults)
        self.url_defaults.update(self.options.get("url_defaults", ()))

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Add a rule to the app, with the blueprint's prefix, subdomain, defaults and name."""
        if self.url_prefix is not None:
            rule = (
                "/".join((self.url_prefix.rstrip("/"), rule.lstrip("/")))
                if rule
                else self.url_prefix
            )
        options.setdefault("subdomain", self.subdomain)
        if endpoint is None:
            assert view_func is not None
            endpoint = _endpoint_from_view_func(view_func)
        defaults = self.url_defaults
        if "defaults" in options:
            defaults = dict(defaults, **options.pop("defaults"))
        self.app.add_url_rule(
            rule,
            f"{self.name_prefix}.{self.name}.{endpoint}".lstrip("."),
            view_func,
            defaults=defaults,
            **options,
        )


class Blueprint(Scaffold):
    """A group of routes and hooks to register on an application.

    Args:
        name: The blueprint's name (endpoint prefix ``name.``); no dots.
        import_name: The blueprint's module (``__name__``).
        static_folder: A static folder served under the blueprint's prefix.
        static_url_path: The URL of that folder.
        template_folder: A templates folder searched after the app's.
        url_prefix: The prefix of every rule.
        subdomain: The subdomain of every rule.
        url_defaults: Default values of every rule's variables.
        root_path: The blueprint's folder (found from ``import_name`` by default).
        cli_group: The name of the blueprint's command group (None: commands join the app's).

    Raises:
        ValueError: An empty name, or a name with a dot.
    """

    _got_registered_once = False

    def __init__(
        self,
        name: str,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        url_prefix: str | None = None,
        subdomain: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        root_path: str | None = None,
        cli_group: str | None = Ellipsis,  # type: ignore[assignment]
    ) -> None:
        super().__init__(
            import_name=import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if not name:
            raise ValueError("'name' may not be empty.")
        if "." in name:
            raise ValueError("'name' may not contain a dot '.' character.")
        self.name = name
        self.url_prefix = url_prefix
        self.subdomain = subdomain
        self.deferred_functions: list[DeferredSetupFunction] = []
        self.url_values_defaults: dict[str, Any] = url_defaults or {}
        self.cli_group = cli_group
        self._blueprints: list[tuple[Blueprint, dict[str, Any]]] = []

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_registered_once:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the blueprint"
                f" '{self.name}'. It has already been registered at least once, any changes"
                " will not be applied consistently.\nMake sure all imports, decorators,"
                " functions, etc. needed to set up the blueprint are done before"
                " registering it."
            )

    @setupmethod
    def record(self, func: DeferredSetupFunction) -> None:
        """Run ``func(state)`` each time the blueprint is registered."""
        self.deferred_functions.append(func)

    @setupmethod
    def record_once(self, func: DeferredSetupFunction) -> None:
        """Run ``func(state)`` on the blueprint's first registration on an app only."""

        def wrapper(state: BlueprintSetupState) -> None:
            if state.first_registration:
                func(state)

        self.record(wrapper)

    def make_setup_state(
        self, app: Flask, options: dict[str, Any], first_registration: bool = False
    ) -> BlueprintSetupState:
        """The state handed to the deferred functions of one registration."""
        return BlueprintSetupState(self, app, options, first_registration)

    @setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: Any) -> None:
        """Nest ``blueprint`` in this one (registered on the app with it).

        Raises:
            ValueError: A blueprint registered on itself.
        """
        if blueprint is self:
            raise ValueError("Cannot register a blueprint on itself")
        self._blueprints.append((blueprint, options))

    def register(self, app: Flask, options: dict[str, Any]) -> None:
        """Add the blueprint to ``app`` (``app.register_blueprint`` calls it).

        Raises:
            ValueError: Another blueprint is registered under the same name.
        """
        name_prefix = options.get("name_prefix", "")
        self_name = options.get("name", self.name)
        name = f"{name_prefix}.{self_name}".lstrip(".")
        if name in app.blueprints:
            bp_desc = "this" if app.blueprints[name] is self else "a different"
            existing_at = f" '{name}'" if self_name != name else ""
            raise ValueError(
                f"The name '{self_name}' is already registered for {bp_desc} blueprint"
                f"{existing_at}. Use 'name=' to provide a unique name."
            )
        first_bp_registration = not any(bp is self for bp in app.blueprints.values())
        first_name_registration = name not in app.blueprints
        app.blueprints[name] = self
        self._got_registered_once = True
        state = self.make_setup_state(app, options, first_bp_registration)
        if self.has_static_folder:
            state.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                view_func=self.send_static_file,
                endpoint="static",
            )
        if first_bp_registration or first_name_registration:
            self._merge_into(app, name)
        for deferred in self.deferred_functions:
            deferred(state)
        self._register_commands(app, options)
        for blueprint, bp_options in self._blueprints:
            self._register_child(app, state, name, blueprint, dict(bp_options))

    def _merge_into(self, app: Flask, name: str) -> None:
        """Copy this blueprint's hooks and handlers into the app's, under ``name``."""

        def extend(bp_dict: dict[Any, Any], parent_dict: dict[Any, Any]) -> None:
            for key, values in bp_dict.items():
                key = name if key is None else f"{name}.{key}"
                parent_dict[key].extend(values)

        for key, value in self.error_handler_spec.items():
            key = name if key is None else f"{name}.{key}"
            value = defaultdict(dict, {code: dict(handlers) for code, handlers in value.items()})
            app.error_handler_spec[key] = value
        for endpoint, func in self.view_functions.items():
            app.view_functions[endpoint] = func
        extend(self.before_request_funcs, app.before_request_funcs)
        extend(self.after_request_funcs, app.after_request_funcs)
        extend(self.teardown_request_funcs, app.teardown_request_funcs)
        extend(self.url_default_functions, app.url_default_functions)
        extend(self.url_value_preprocessors, app.url_value_preprocessors)
        extend(self.template_context_processors, app.template_context_processors)

    def _register_commands(self, app: Flask, options: dict[str, Any]) -> None:
        if "cli" not in self.__dict__ or not self.cli.commands:
            return
        cli_resolved_group = options.get("cli_group", self.cli_group)
        if cli_resolved_group is None:
            app.cli.commands.update(self.cli.commands)
        elif cli_resolved_group is Ellipsis:
            self.cli.name = options.get("name", self.name)
            app.cli.add_command(self.cli)
        else:
            self.cli.name = cli_resolved_group
            app.cli.add_command(self.cli)

    def _register_child(
        self,
        app: Flask,
        state: BlueprintSetupState,
        name: str,
        blueprint: Blueprint,
        bp_options: dict[str, Any],
    ) -> None:
        bp_url_prefix = bp_options.get("url_prefix")
        if bp_url_prefix is None:
            bp_url_prefix = blueprint.url_prefix
        if state.url_prefix is not None and bp_url_prefix is not None:
            bp_options["url_prefix"] = (
                state.url_prefix.rstrip("/") + "/" + bp_url_prefix.lstrip("/")
            )
        elif bp_url_prefix is not None:
            bp_options["url_prefix"] = bp_url_prefix
        elif state.url_prefix is not None:
            bp_options["url_prefix"] = state.url_prefix
        bp_subdomain = bp_options.get("subdomain")
        if bp_subdomain is None:
            bp_subdomain = blueprint.subdomain
        if state.subdomain is not None and bp_subdomain is not None:
            bp_options["subdomain"] = bp_subdomain + "." + state.subdomain
        elif bp_subdomain is not None:
            bp_options["subdomain"] = bp_subdomain
        elif state.subdomain is not None:
            bp_options["subdomain"] = state.subdomain
        bp_options["name_prefix"] = name
        blueprint.register(app, bp_options)

    @setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: Any,
    ) -> None:
        """Record a rule, added to the app with the blueprint's prefix when registered.

        Raises:
            ValueError: A dot in the endpoint or the view's name.
        """
        if endpoint and "." in endpoint:
            raise ValueError("'endpoint' may not contain a dot '.' character.")
        if view_func and hasattr(view_func, "__name__") and "." in view_func.__name__:
            raise ValueError("'view_func' name may not contain a dot '.' character.")
        self.record(
            lambda s: s.add_url_rule(
                rule,
                endpoint,
                view_func,
                provide_automatic_options=provide_automatic_options,
                **options,
            )
        )

    # ------------------------------------------------------------ app-wide hooks

    @setupmethod
    def app_template_filter(self, name: str | None = None) -> Callable[[_F], _F]:
        """Decorator registering a Jinja filter on the app."""

        def decorator(f: _F) -> _F:
            self.add_app_template_filter(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_filter(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Register a Jinja filter on the app."""
        self.record_once(lambda s: s.app.add_template_filter(f, name=name))

    @setupmethod
    def app_template_test(self, name: str | None = None) -> Callable[[_F], _F]:
        """Decorator registering a Jinja test on the app."""

        def decorator(f: _F) -> _F:
            self.add_app_template_test(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_test(self, f: Callable[..., bool], name: str | None = None) -> None:
        """Register a Jinja test on the app."""
        self.record_once(lambda s: s.app.add_template_test(f, name=name))

    @setupmethod
    def app_template_global(self, name: str | None = None) -> Callable[[_F], _F]:
        """Decorator registering a Jinja global on the app."""

        def decorator(f: _F) -> _F:
            self.add_app_template_global(f, name=name)
            return f

        return decorator

    @setupmethod
    def add_app_template_global(self, f: Callable[..., Any], name: str | None = None) -> None:
        """Register a Jinja global on the app."""
        self.record_once(lambda s: s.app.add_template_global(f, name=name))

    def _app_hook(self, attribute: str, f: _F) -> _F:
        self.record_once(lambda s: getattr(s.app, attribute).setdefault(None, []).append(f))
        return f

    @setupmethod
    def before_app_request(self, f: _F) -> _F:
        """Run ``f()`` before every request of the app (not only this blueprint's)."""
        return self._app_hook("before_request_funcs", f)

    @setupmethod
    def after_app_request(self, f: _F) -> _F:
        """Run ``f(response)`` after every request of the app."""
        return self._app_hook("after_request_funcs", f)

    @setupmethod
    def teardown_app_request(self, f: _F) -> _F:
        """Run ``f(error)`` when any request of the app ends."""
        return self._app_hook("teardown_request_funcs", f)

    @setupmethod
    def app_context_processor(self, f: _F) -> _F:
        """A context processor for every template of the app."""
        return self._app_hook("template_context_processors", f)

    @setupmethod
    def app_errorhandler(self, code: type[Exception] | int) -> Callable[[_F], _F]:
        """Decorator registering an error handler for the whole app."""

        def decorator(f: _F) -> _F:
            self.record_once(lambda s: s.app.errorhandler(code)(f))  # type: ignore[arg-type]
            return f

        return decorator

    @setupmethod
    def app_url_value_preprocessor(self, f: _F) -> _F:
        """A URL value preprocessor for every request of the app."""
        return self._app_hook("url_value_preprocessors", f)

    @setupmethod
    def app_url_defaults(self, f: _F) -> _F:
        """A URL defaults function for every URL the app builds."""
        return self._app_hook("url_default_functions", f)
