"""Flask's templates: the app's Jinja environment and ``render_template``.

Called by views (``render_template("index.html", ...)``) and by the application
(``app.jinja_env``). Templates are found in the application's template folder first, then
in each blueprint's, in registration order; every template sees ``config``, ``request``,
``session``, ``g``, ``url_for`` and ``get_flashed_messages``, plus what the context
processors return (the app's, then the request's blueprints').
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from jinja2 import BaseLoader, Environment as BaseEnvironment, Template, TemplateNotFound

from heron.flask.debughelpers import explain_template_loading_attempts
from heron.flask.globals import _cv_request, current_app
from heron.flask.helpers import stream_with_context
from heron.flask.signals import before_render_template, template_rendered

if TYPE_CHECKING:
    from heron.flask.app import Flask
    from heron.flask.scaffold import Scaffold

__all__ = [
    "DispatchingJinjaLoader",
    "Environment",
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
]


#: What a Jinja loader's ``get_source`` returns: the source, its file, its up-to-date check.
_Source = tuple[str, str | None, Callable[[], bool] | None]


class Environment(BaseEnvironment):
    """The application's Jinja environment: it knows its app and loads from its folders.

    Args:
        app: The application.
        **options: Jinja's options.
    """

    def __init__(self, app: Flask, **options: Any) -> None:
        if "loader" not in options:
            options["loader"] = app.create_global_jinja_loader()
        super().__init__(**options)
        self.app = app


class DispatchingJinjaLoader(BaseLoader):
    """Looks in the application's template folder, then in each blueprint's.

    Args:
        app: The application.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def get_source(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        """The first folder's source of ``template``.

        Raises:
            TemplateNotFound: No folder has it.
        """
        if self.app.config["EXPLAIN_TEMPLATE_LOADING"]:
            return self._get_source_explained(environment, template)
        for _owner, loader in self._loaders():
            try:
                return loader.get_source(environment, template)
            except TemplateNotFound:
                continue
        raise TemplateNotFound(template)

    def _get_source_explained(
        self, environment: BaseEnvironment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        """Every folder asked (not only up to the first match), then the attempts logged."""
        attempts: list[tuple[BaseLoader, Scaffold, _Source | None]] = []
        first: _Source | None = None
        for owner, loader in self._loaders():
            try:
                source: _Source | None = loader.get_source(environment, template)
            except TemplateNotFound:
                source = None
            if first is None:
                first = source
            attempts.append((loader, owner, source))
        explain_template_loading_attempts(self.app, template, attempts)
        if first is None:
            raise TemplateNotFound(template)
        return first

    def _loaders(self) -> Iterator[tuple[Scaffold, BaseLoader]]:
        if self.app.jinja_loader is not None:
            yield self.app, self.app.jinja_loader
        for blueprint in self.app.iter_blueprints():
            if blueprint.jinja_loader is not None:
                yield blueprint, blueprint.jinja_loader

    def list_templates(self) -> list[str]:
        """Every template name of every folder."""
        names: set[str] = set()
        for _owner, loader in self._loaders():
            names.update(loader.list_templates())
        return sorted(names)


def _render(app: Flask, template: Template, context: dict[str, Any]) -> str:
    app.update_template_context(context)
    before_render_template.send(
        app, _async_wrapper=app.ensure_sync, template=template, context=context
    )
    text = template.render(context)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return text


def render_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> str:
    """Render a template of the application's folders with ``context``.

    Args:
        template_name_or_list: A name, a ``Template``, or a list tried in order.
        **context: The template's variables.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _render(app, template, context)


def render_template_string(source: str, **context: Any) -> str:
    """Render template source text with ``context``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.from_string(source)
    return _render(app, template, context)


def _stream(app: Flask, template: Template, context: dict[str, Any]) -> Iterator[str]:
    app.update_template_context(context)
    before_render_template.send(
        app, _async_wrapper=app.ensure_sync, template=template, context=context
    )

    def generate() -> Iterator[str]:
        yield from template.generate(context)
        template_rendered.send(
            app, _async_wrapper=app.ensure_sync, template=template, context=context
        )

    body = generate()
    if _cv_request.get(None) is not None:
        # The body is sent after the view's context is popped: keep it for the template.
        body = stream_with_context(body)
    return body


def stream_template(
    template_name_or_list: str | Template | list[str | Template], **context: Any
) -> Iterator[str]:
    """Render a template piece by piece, to return as a streamed response."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.get_or_select_template(template_name_or_list)
    return _stream(app, template, context)


def stream_template_string(source: str, **context: Any) -> Iterator[str]:
    """Render template source text piece by piece."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    template = app.jinja_env.from_string(source)
    return _stream(app, template, context)
