"""The ``heron`` command: app discovery, ``routes``, ``openapi``, ``run`` serving for real,
the app's own commands (``@app.cli.command()``) and ``heron shell``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from heron.cli import cli, load_app

ROOT = Path(__file__).resolve().parent.parent


def test_routes_table() -> None:
    result = CliRunner().invoke(cli, ["routes", "examples.demo.app"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Methods", "Path", "Name", "Endpoint"]
    assert any(
        line.split()[:3] == ["GET,HEAD", "/items/{item_id}", "get_item"] for line in lines
    ), result.output
    assert any("POST" in line and "/items" in line for line in lines)


def test_app_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_APP", "examples.demo.app:app")
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 0 and "/hello/{name}" in result.output


def test_app_discovered_in_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app.py").write_text(
        "from heron import Heron\napp = Heron()\n@app.get('/found')\nasync def found(): return 1\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HERON_APP", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "app", raising=False)
    result = CliRunner().invoke(cli, ["routes"])
    assert result.exit_code == 0 and "/found" in result.output


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module_xyz", "Could not import module 'no_such_module_xyz'"),
        ("examples.demo.app:nope", "has no attribute 'nope'"),
    ],
)
def test_bad_app_names_are_usage_errors(target: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["routes", target])
    assert result.exit_code == 2
    assert message in result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(*args: str) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "heron", "run", *args, "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read().decode() if process.stdout else ""
                    raise AssertionError(f"server did not start: {output}") from None
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


@pytest.mark.parametrize(
    "extra",
    [[], ["--workers", "2"], ["--server", "granian"]],
    ids=["uvicorn", "uvicorn-2-workers", "granian"],
)
def test_run_serves_the_app(extra: list[str]) -> None:
    with serving("examples.demo.app:app", *extra) as base:
        response = httpx.get(base + "/items/1?verbose=true", timeout=5)
        assert response.status_code == 200
        assert response.json()["name"] == "Heron T-shirt"
        assert httpx.get(base + "/items/x", timeout=5).status_code == 422


# ---------------------------------------------------------------- heron openapi


def test_openapi_prints_the_document() -> None:
    result = CliRunner().invoke(cli, ["openapi", "examples.demo.app"])
    assert result.exit_code == 0, result.output
    _, app = load_app("examples.demo.app")
    assert json.loads(result.output) == app.openapi()
    assert "/items/{item_id}" in json.loads(result.output)["paths"]
    assert result.output.endswith("}\n")
    assert result.output.splitlines()[1].startswith('  "openapi": "3.1')  # indent 2


def test_openapi_one_line_and_into_a_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["openapi", "examples.demo.app", "--indent", "0"])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    target = tmp_path / "openapi.json"
    written = CliRunner().invoke(cli, ["openapi", "examples.demo.app", "-o", str(target)])
    assert written.exit_code == 0 and written.output == ""
    assert target.read_text(encoding="utf-8") == (
        CliRunner().invoke(cli, ["openapi", "examples.demo.app"]).output
    )


def app_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> str:
    """Write module ``name`` holding ``source`` where imports find it; returns its name."""
    (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name


def test_openapi_keeps_unicode_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = (
        "from heron import Heron\n"
        "app = Heron(title='Café ☕')\n"
        "@app.get('/menu', summary='Crème brûlée')\n"
        "async def menu() -> dict[str, str]: return {}\n"
    )
    module = app_module(tmp_path, monkeypatch, "cafe_app", source)
    result = CliRunner().invoke(cli, ["openapi", module])
    assert result.exit_code == 0, result.output
    assert '"title": "Café ☕"' in result.output
    assert json.loads(result.output)["paths"]["/menu"]["get"]["summary"] == "Crème brûlée"


def test_openapi_output_that_cannot_be_written(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "openapi.json"
    result = CliRunner().invoke(cli, ["openapi", "examples.demo.app", "-o", str(missing)])
    assert result.exit_code == 1
    assert result.output == f"Error: Could not write {missing}: No such file or directory\n"
    directory = CliRunner().invoke(cli, ["openapi", "examples.demo.app", "-o", str(tmp_path)])
    assert directory.exit_code == 2 and "is a directory" in directory.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["examples.demo.app:Item"], "is not a Heron app"),
        (["examples.demo.app", "--indent", "-1"], "Invalid value for '--indent'"),
        (["no_such_module_xyz"], "Could not import module 'no_such_module_xyz'"),
    ],
)
def test_openapi_usage_errors(arguments: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["openapi", *arguments])
    assert result.exit_code == 2
    assert message in result.output


def test_openapi_reports_a_document_that_cannot_be_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (
        "from pydantic import BaseModel, ConfigDict\n"
        "from heron import Heron\n"
        "class Thing: pass\n"
        "class Order(BaseModel):\n"
        "    model_config = ConfigDict(arbitrary_types_allowed=True)\n"
        "    thing: Thing\n"
        "app = Heron()\n"
        "@app.post('/orders')\n"
        "async def make(order: Order) -> dict[str, str]: return {}\n"
    )
    module = app_module(tmp_path, monkeypatch, "broken_schema_app", source)
    result = CliRunner().invoke(cli, ["openapi", module])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "/orders" in result.output and "Thing" in result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- the app's own commands

APP_SOURCE = '''
import asyncio
from contextlib import asynccontextmanager

import click

from heron import Heron
from heron.cli import AppGroup
from heron.globals import current_app, g


@asynccontextmanager
async def lifespan(app):
    print("startup")
    yield {"db": "the-db", "loop": asyncio.get_running_loop()}
    print("shutdown")


app = Heron(title="CLI app", lifespan=lifespan)


@app.get("/")
def index():
    return {}


@app.cli.command()
@click.argument("name")
@click.option("--shout", is_flag=True)
def hello(name, shout):
    """Greet NAME."""
    text = f"hello {name} from {current_app.title} with {g.db}"
    click.echo(text.upper() if shout else text)


@app.cli.command("async-check")
async def async_check():
    await asyncio.sleep(0)
    click.echo(f"same loop: {asyncio.get_running_loop() is g.loop}; app: {current_app.title}")


@app.cli.command()
def fail():
    raise click.ClickException("the seed file is missing")


@app.cli.command()
async def crash():
    raise RuntimeError("database exploded")


@app.cli.command(lifespan=False)
def quiet():
    click.echo(f"no lifespan, app {current_app.title}, g has db: {'db' in g}")


@app.cli.command(with_appcontext=False)
async def bare():
    from heron.exceptions import OutsideContextError

    try:
        current_app.title
    except OutsideContextError:
        click.echo("outside any app context")


users = AppGroup("users", help="Manage users.")


@users.command("create")
@click.argument("name")
def create_user(name):
    click.echo(f"created {name} in {g.db}")


app.cli.add_command(users)
'''


@pytest.fixture
def cli_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    """A module with an app, its lifespan and commands; returns the module's name."""
    monkeypatch.delenv("HERON_APP", raising=False)
    name = f"cli_app_{request.node.name.split('[')[0]}"
    return app_module(tmp_path, monkeypatch, name, APP_SOURCE)


def invoke(*arguments: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(arguments), input=input)


def test_app_command_runs_inside_the_lifespan(cli_app: str) -> None:
    result = invoke("--app", f"{cli_app}:app", "hello", "Ann", "--shout")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "startup",
        "HELLO ANN FROM CLI APP WITH THE-DB",
        "shutdown",
    ]


def test_async_command_runs_on_the_lifespan_loop(cli_app: str) -> None:
    result = invoke("-A", cli_app, "async-check")
    assert result.exit_code == 0, result.output
    assert "same loop: True; app: CLI app" in result.output.splitlines()


def test_failing_command_exits_non_zero_with_its_message(cli_app: str) -> None:
    result = invoke("--app", cli_app, "fail")
    assert result.exit_code == 1
    assert "Error: the seed file is missing" in result.output
    assert result.output.splitlines()[-1] == "shutdown"  # the lifespan still ends
    crashed = invoke("--app", cli_app, "crash")
    assert crashed.exit_code == 1
    assert isinstance(crashed.exception, RuntimeError)
    assert str(crashed.exception) == "database exploded"
    assert crashed.output.splitlines() == ["startup", "shutdown"]


def test_lifespan_and_app_context_can_be_left_out(cli_app: str) -> None:
    quiet = invoke("--app", cli_app, "quiet")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output == "no lifespan, app CLI app, g has db: False\n"
    bare = invoke("--app", cli_app, "bare")
    assert bare.exit_code == 0, bare.output
    assert bare.output == "outside any app context\n"


def test_groups_of_commands_blueprint_style(cli_app: str) -> None:
    result = invoke("--app", cli_app, "users", "create", "bob")
    assert result.exit_code == 0, result.output
    assert "created bob in the-db" in result.output.splitlines()


def test_app_cli_runs_on_its_own(cli_app: str) -> None:
    _, app = load_app(cli_app)
    result = CliRunner().invoke(app.cli, ["hello", "Zoe"])
    assert result.exit_code == 0, result.output
    assert "hello Zoe from CLI app with the-db" in result.output.splitlines()


def test_help_lists_the_app_commands(cli_app: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = invoke("--app", cli_app, "--help")
    assert result.exit_code == 0, result.output
    assert "hello        Greet NAME." in result.output
    assert "users        Manage users." in result.output
    assert "shell " in result.output and "routes " in result.output
    monkeypatch.setenv("HERON_APP", cli_app)
    assert invoke("routes").exit_code == 0  # built-ins see the same app
    assert "/  " in invoke("--app", cli_app, "routes").output


def test_without_an_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HERON_APP", raising=False)
    listed = invoke("--help")
    assert listed.exit_code == 0 and "shell" in listed.output and "hello" not in listed.output
    unknown = invoke("hello")
    assert unknown.exit_code == 2
    assert "No such command 'hello'. No app given" in unknown.output
    missing = invoke("--app", "no_such_module_xyz", "hello")
    assert missing.exit_code == 2
    assert "Could not import module 'no_such_module_xyz'" in missing.output


def test_lifespan_failure_stops_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (
        "from contextlib import asynccontextmanager\n"
        "from heron import Heron\n"
        "@asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    raise RuntimeError('no database')\n"
        "    yield\n"
        "app = Heron(lifespan=lifespan)\n"
        "@app.cli.command()\n"
        "def seed(): print('seeded')\n"
    )
    module = app_module(tmp_path, monkeypatch, "broken_lifespan_app", source)
    result = invoke("--app", module, "seed")
    assert result.exit_code == 1
    assert str(result.exception) == "no database"
    assert "seeded" not in result.output


def test_invalid_config_is_reported_by_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = (
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n"
        "from heron import Heron\n"
        "class Settings(BaseSettings):\n"
        "    model_config = SettingsConfigDict(env_prefix='SHOP_')\n"
        "    database_url: str\n"
        "    workers: int = 1\n"
        "app = Heron(settings=Settings)\n"
    )
    module = app_module(tmp_path, monkeypatch, "settings_app", source)
    monkeypatch.delenv("SHOP_DATABASE_URL", raising=False)
    monkeypatch.setenv("SHOP_WORKERS", "many")
    result = invoke("routes", module)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: Settings: invalid configuration (read from the environment):",
        "  SHOP_DATABASE_URL: Field required",
        "  SHOP_WORKERS: Input should be a valid integer, unable to parse string as an integer"
        " (got 'many')",
    ]


# ---------------------------------------------------------------- heron shell


def test_shell_has_the_app_and_its_lifespan(cli_app: str) -> None:
    result = invoke("shell", cli_app, input="print(app.title, current_app.title, g.db)\nx = 1 +\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["startup", "CLI app CLI app the-db", "shutdown"]
    assert ">>>" not in result.output  # no prompts when the input is not a terminal
    assert "SyntaxError" in result.stderr  # errors are shown, and the shell goes on
    assert result.stderr.startswith("Python 3.")


def test_shell_runs_pythonstartup(
    cli_app: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    startup = tmp_path / "startup.py"
    startup.write_text("helper = app.title.upper()\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    result = invoke("--app", cli_app, "shell", input="print(helper)\n")
    assert "CLI APP" in result.output.splitlines()


def test_shell_uses_ipython_when_asked(
    cli_app: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "IPython", None)  # not installed
    result = invoke("shell", cli_app, "--interface", "ipython")
    assert result.exit_code == 2
    assert "IPython is not installed" in result.output
    fake = tmp_path / "IPython"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        "def start_ipython(argv, user_ns):\n"
        "    print('ipython', argv, sorted(k for k in user_ns if not k.startswith('_')))\n"
        "    print(user_ns['g'].db)\n"
    )
    monkeypatch.delitem(sys.modules, "IPython")
    result = invoke("shell", cli_app, "-i", "ipython")
    assert result.exit_code == 0, result.output
    assert "ipython ['--no-banner'] ['app', 'current_app', 'g']" in result.output
    assert "the-db" in result.output.splitlines()
    # auto: IPython is installed now, but the input is not a terminal: the plain shell.
    auto = invoke("shell", cli_app, input="print('plain')\n")
    assert auto.stdout.splitlines() == ["startup", "plain", "shutdown"]


# ---------------------------------------------------------------- the real `heron` script

HERON = Path(sys.executable).parent / "heron"


def run_heron(
    cwd: Path, *arguments: str, input: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "HERON_APP"}
    return subprocess.run(
        [str(HERON), *arguments],
        cwd=cwd,
        env={**environment, **env},
        input=input,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_script_runs_app_commands(tmp_path: Path) -> None:
    (tmp_path / "shop.py").write_text(APP_SOURCE)
    done = run_heron(tmp_path, "--app", "shop:app", "hello", "Ann")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["startup", "hello Ann from CLI app with the-db", "shutdown"]
    from_environment = run_heron(tmp_path, "async-check", HERON_APP="shop")
    assert "same loop: True; app: CLI app" in from_environment.stdout.splitlines()
    failed = run_heron(tmp_path, "--app", "shop", "fail")
    assert failed.returncode == 1
    assert failed.stderr == "Error: the seed file is missing\n"
    crashed = run_heron(tmp_path, "--app", "shop", "crash")
    assert crashed.returncode == 1
    assert crashed.stderr.splitlines()[-1] == "RuntimeError: database exploded"
    assert crashed.stdout.splitlines() == ["startup", "shutdown"]


def test_script_shell_reads_standard_input(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP_SOURCE)  # found without --app, as Flask does
    done = run_heron(tmp_path, "shell", input="print(app.title)\nprint(g.db)\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["startup", "CLI app", "the-db", "shutdown"]
    assert "App: app:app (CLI app); names: app, current_app, g" in done.stderr


FACTORY_SOURCE = """
from heron import Heron


def create_app():
    app = Heron(title="made by a factory")

    @app.get("/")
    def index():
        return {"title": app.title}

    @app.cli.command()
    def whoami():
        print(app.title)

    return app
"""


def test_an_app_factory_is_found_and_called(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flask's convention: no ``app`` in the module but a ``create_app()``."""
    monkeypatch.delenv("HERON_APP", raising=False)
    module = app_module(tmp_path, monkeypatch, "factory_app", FACTORY_SOURCE)
    import_string, app = load_app(module)
    assert import_string == f"{module}:create_app()"
    assert app.title == "made by a factory"
    assert load_app(f"{module}:create_app()")[1].title == "made by a factory"
    result = invoke("--app", module, "whoami")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "made by a factory"


def test_heron_run_serves_a_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn gets the factory (``factory=True``): ``heron run examples.flaskr``."""
    monkeypatch.setenv("FLASKR_DATABASE", str(tmp_path / "flaskr.sqlite"))
    with serving("examples.flaskr") as base:
        page = httpx.get(base + "/auth/login")
    assert page.status_code == 200
    assert "<title>Log In - Flaskr</title>" in page.text


RUNS_ITSELF = """
from {framework} import {app_class}

app = {app_class}(__name__)


@app.route("/")
def index():
    return "hello"


app.run()  # at import, not under `if __name__ == "__main__":`
"""


@pytest.mark.parametrize(("framework", "app_class"), [("heron", "Heron"), ("heron.flask", "Flask")])
def test_a_module_calling_app_run_at_import_does_not_block_the_command(
    tmp_path: Path, framework: str, app_class: str
) -> None:
    """Flask's FLASK_RUN_FROM_CLI: under `heron`, app.run() says the command serves the app."""
    source = RUNS_ITSELF.format(framework=framework, app_class=app_class)
    (tmp_path / "selfserving.py").write_text(source)
    done = run_heron(tmp_path, "routes", "selfserving")  # a 30 s timeout: no hanging server
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[:4] == ["Methods", "Path", "Name", "Endpoint"]
    # A heron.flask app's Werkzeug rules are listed too (with its static rule).
    assert "selfserving.index" in done.stdout
    assert "Ignoring a call to 'app.run()'" in done.stderr
    assert len([line for line in done.stderr.splitlines() if "app.run()" in line]) == 1


FLASK_COMMAND_APP = """
import click
from heron.flask import Flask, current_app, g


@click.command("init-db")
def init_db_command():
    # A plain click command, as Flask's tutorial adds it: Flask runs it in the app context.
    g.db = "sqlite"
    click.echo(f"Initialized {current_app.name} with {g.db}.")


def create_app():
    app = Flask(__name__)
    app.cli.add_command(init_db_command)
    return app
"""


def test_a_heron_flask_apps_plain_click_commands_run_in_its_app_context(tmp_path: Path) -> None:
    (tmp_path / "flaskish.py").write_text(FLASK_COMMAND_APP)
    done = run_heron(tmp_path, "--app", "flaskish", "init-db")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Initialized flaskish with sqlite.\n"


def test_routes_of_a_heron_flask_app_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "flaskish_routes.py").write_text(
        FLASK_COMMAND_APP + "\n\napp = create_app()\n\n"
        "@app.route('/posts/<int:post_id>', methods=['GET', 'POST'])\n"
        "def post(post_id):\n    return str(post_id)\n\n"
        "app.add_url_rule('/later', endpoint='later')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    result = CliRunner().invoke(cli, ["routes", "flaskish_routes"])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines()[2:]]
    assert ["GET,POST", "/posts/<int:post_id>", "post", "flaskish_routes.post"] in rows
    assert ["GET", "/later", "later"] in rows  # a rule without a view yet
    done = CliRunner().invoke(cli, ["--app", "flaskish_routes", "init-db"])
    assert done.exit_code == 0, done.output
    assert done.output == "Initialized flaskish_routes with sqlite.\n"
