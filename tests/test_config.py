"""``app.config``: Flask's loaders, the built-in keys as app attributes, typed settings."""

import json
import sys
import tomllib
import types
from pathlib import Path

import pytest
from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from heron import Heron, session
from heron.config import Config
from heron.exceptions import ConfigError
from heron.testclient import TestClient


def session_app(app: Heron) -> TestClient:
    @app.get("/count")
    def count() -> dict[str, int]:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    return TestClient(app)


# ---------------------------------------------------------------- dict-like, built-in keys


def test_builtin_keys_are_the_app_attributes() -> None:
    app = Heron(debug=True, max_body_size=100)
    assert app.config["DEBUG"] is True
    assert app.config["MAX_BODY_SIZE"] == 100
    assert app.config["SECRET_KEY"] is None
    assert app.config.get("ROOT_PATH") == ""
    app.secret_key = "from the attribute"
    app = app  # NOTE: forget mypy's narrowing of app.config[...] (the setter changed it)
    assert app.config["SECRET_KEY"] == "from the attribute"
    app.config["MAX_BODY_SIZE"] = 5
    assert app.max_body_size == 5
    assert list(app.config) == ["DEBUG", "SECRET_KEY", "MAX_BODY_SIZE", "ROOT_PATH"]


def test_secret_key_in_config_turns_on_sessions() -> None:
    app = Heron()
    app.config["SECRET_KEY"] = "a long random string"
    client = session_app(app)
    assert [client.get("/count").json()["n"] for _ in range(3)] == [1, 2, 3]
    assert "session=" in client.get("/count").headers["set-cookie"]


def test_max_body_size_from_config_is_enforced() -> None:
    app = Heron()
    app.config.from_mapping(MAX_BODY_SIZE=10)

    @app.post("/echo")
    async def echo(payload: dict[str, str]) -> dict[str, str]:
        return payload

    client = TestClient(app)
    assert client.post("/echo", json={"a": "b"}).status_code == 200
    response = client.post("/echo", json={"a": "b" * 50})
    assert response.status_code == 413


def test_user_keys_behave_like_a_dict() -> None:
    config = Heron().config
    config["DATABASE_URL"] = "sqlite://"
    config.update({"PAGE_SIZE": 20, "MAIL_SERVER": "smtp", "MAIL_PORT": 25})
    assert config.get("DATABASE_URL") == "sqlite://"
    assert config.get("MISSING", "default") == "default"
    assert "PAGE_SIZE" in config and "MISSING" not in config
    assert config.get_namespace("MAIL_") == {"server": "smtp", "port": 25}
    assert config.get_namespace("MAIL_", lowercase=False, trim_namespace=False) == {
        "MAIL_SERVER": "smtp",
        "MAIL_PORT": 25,
    }
    assert config.pop("PAGE_SIZE") == 20
    del config["DATABASE_URL"]
    assert len(config) == 4 + 2
    config.clear()
    assert list(config) == ["DEBUG", "SECRET_KEY", "MAX_BODY_SIZE", "ROOT_PATH"]
    with pytest.raises(KeyError):
        config.popitem()


def test_builtin_keys_are_validated_and_cannot_be_removed() -> None:
    config = Heron().config
    with pytest.raises(ConfigError, match=r"^MAX_BODY_SIZE: .*valid integer.* \(got 'big'\)"):
        config["MAX_BODY_SIZE"] = "big"
    with pytest.raises(ConfigError, match=r"MAX_BODY_SIZE: .*greater than or equal to 0"):
        config["MAX_BODY_SIZE"] = -1
    with pytest.raises(ConfigError, match="SECRET_KEY: ") as caught:
        config["SECRET_KEY"] = 12345
    assert "12345" not in str(caught.value)  # a secret is never echoed
    config["DEBUG"] = "yes"
    assert config["DEBUG"] is True
    with pytest.raises(ConfigError, match="DEBUG is a built-in key"):
        del config["DEBUG"]


def test_keys_read_at_startup_cannot_change_after_it() -> None:
    app = Heron(secret_key="first")
    client = session_app(app)
    assert client.get("/count").status_code == 200
    app.config["SECRET_KEY"] = "first"  # the same value is fine
    app.config["MAX_BODY_SIZE"] = 1000  # read per request: fine
    with pytest.raises(ConfigError, match="SECRET_KEY cannot change once"):
        app.config["SECRET_KEY"] = "second"
    assert app.secret_key == "first"


def test_repr_masks_the_secret_key() -> None:
    app = Heron(secret_key="hunter2")
    assert "hunter2" not in repr(app.config)
    assert "'SECRET_KEY': '***'" in repr(app.config)


def test_standalone_config_has_herons_defaults() -> None:
    config = Config(defaults={"DEBUG": True, "NAME": "x"})
    assert dict(config) == {
        "DEBUG": True,
        "SECRET_KEY": None,
        "MAX_BODY_SIZE": 16 * 1024 * 1024,
        "ROOT_PATH": "",
        "NAME": "x",
    }


# ---------------------------------------------------------------- Flask's loaders


class DefaultConfig:
    DEBUG = False
    PAGE_SIZE = 10
    lowercase_is_ignored = True


def test_from_object_takes_upper_case_attributes() -> None:
    app = Heron()
    assert app.config.from_object(DefaultConfig) is True
    assert app.config["PAGE_SIZE"] == 10
    assert "lowercase_is_ignored" not in app.config
    module = types.ModuleType("heron_test_settings_module")
    module.SECRET_KEY = "from a module"  # type: ignore[attr-defined]
    module.ITEMS = [1, 2]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    try:
        app.config.from_object("heron_test_settings_module")
        assert app.secret_key == "from a module"
        app.config.from_object(f"{__name__}:DefaultConfig")
        assert app.config["PAGE_SIZE"] == 10
    finally:
        del sys.modules[module.__name__]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("no_such_module_for_config.Thing", "cannot import 'no_such_module_for_config'"),
        ("json:NoSuchThing", "'json' has no 'NoSuchThing'"),
    ],
)
def test_from_object_with_a_bad_path(path: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Heron().config.from_object(path)


def test_from_mapping_keeps_upper_case_keys() -> None:
    config = Heron().config
    config.from_mapping({"A_KEY": 1, "lower": 2}, OTHER=3)
    assert config["A_KEY"] == 1 and config["OTHER"] == 3 and "lower" not in config


def test_from_prefixed_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_DEBUG", "true")
    monkeypatch.setenv("HERON_SECRET_KEY", "12345")
    monkeypatch.setenv("HERON_MAX_BODY_SIZE", "2048")
    monkeypatch.setenv("HERON_PAGE_SIZE", "20")
    monkeypatch.setenv("HERON_NAME", "plain text")
    monkeypatch.setenv("HERON_TAGS", '["a", "b"]')
    monkeypatch.setenv("HERON_DB__HOST", "db.local")
    monkeypatch.setenv("HERON_DB__PORT", "5432")
    monkeypatch.setenv("OTHER_THING", "1")
    app = Heron()
    assert app.config.from_prefixed_env() is True
    assert app.debug is True
    assert app.secret_key == "12345"  # a built-in str key keeps the text
    assert app.max_body_size == 2048
    assert app.config["PAGE_SIZE"] == 20
    assert app.config["NAME"] == "plain text"
    assert app.config["TAGS"] == ["a", "b"]
    assert app.config["DB"] == {"HOST": "db.local", "PORT": 5432}
    assert "THING" not in app.config and "OTHER_THING" not in app.config


def test_from_prefixed_env_reads_a_dotenv_file_under_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("MYAPP_NAME=from-file\nMYAPP_LIMIT=5\nMYAPP_MAX_BODY_SIZE=null\n")
    monkeypatch.setenv("MYAPP_NAME", "from-environment")
    app = Heron()
    app.config.from_prefixed_env("MYAPP", env_file=env_file)
    assert app.config["NAME"] == "from-environment"
    assert app.config["LIMIT"] == 5
    assert app.max_body_size is None  # "null" is None for MAX_BODY_SIZE
    app.config.from_prefixed_env("MYAPP", env_file=tmp_path / "missing.env")  # ignored


def test_from_prefixed_env_names_the_variable_at_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HERON_MAX_BODY_SIZE", "lots")
    with pytest.raises(ConfigError, match=r"^HERON_MAX_BODY_SIZE: .*\(got 'lots'\)$"):
        Heron().config.from_prefixed_env()


def test_from_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('SECRET_KEY = "toml key"\nPAGE_SIZE = 3\n')
    (tmp_path / "config.json").write_text(json.dumps({"PAGE_SIZE": 4}))
    app = Heron()
    assert app.config.from_file(tmp_path / "config.toml", load=tomllib.load, text=False)
    assert app.secret_key == "toml key" and app.config["PAGE_SIZE"] == 3
    assert app.config.from_file(str(tmp_path / "config.json"), load=json.load)
    assert app.config["PAGE_SIZE"] == 4
    assert app.config.from_file(tmp_path / "nope.json", load=json.load, silent=True) is False
    with pytest.raises(FileNotFoundError):
        app.config.from_file(tmp_path / "nope.json", load=json.load)


# ---------------------------------------------------------------- typed settings


class Database(BaseModel):
    host: str = "localhost"
    port: int = 5432


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MYAPP_", env_nested_delimiter="__")

    secret_key: SecretStr = SecretStr("dev key")
    debug: bool = False
    database_url: str = "sqlite:///dev.db"
    page_size: int = 10
    db: Database = Database()


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty current directory and no MYAPP_ variables from the outside."""
    import os

    for name in list(os.environ):
        if name.startswith("MYAPP_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.usefixtures("clean_environment")
def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYAPP_PAGE_SIZE", "50")
    monkeypatch.setenv("MYAPP_SECRET_KEY", "production key")
    monkeypatch.setenv("MYAPP_DB__PORT", "6543")
    app = Heron(settings=Settings)
    settings = app.config.settings
    assert isinstance(settings, Settings)
    assert settings.page_size == 50 and app.config["PAGE_SIZE"] == 50
    assert app.config["DATABASE_URL"] == "sqlite:///dev.db"
    assert app.config["DB"] == Database(port=6543)
    assert app.secret_key == "production key"  # unwrapped from SecretStr
    assert app.debug is False


def test_settings_read_their_dotenv_file(clean_environment: Path) -> None:
    class DotenvSettings(Settings):
        model_config = SettingsConfigDict(env_prefix="MYAPP_", env_file=".env")

    (clean_environment / ".env").write_text("MYAPP_DEBUG=1\nMYAPP_SECRET_KEY=from dotenv\n")
    app = Heron()
    settings = app.config.from_settings(DotenvSettings)
    assert settings.debug is True and app.debug is True
    client = session_app(app)  # SECRET_KEY from .env: sessions are on
    assert [client.get("/count").json()["n"] for _ in range(2)] == [1, 2]


@pytest.mark.usefixtures("clean_environment")
def test_settings_instance_and_from_object() -> None:
    app = Heron()
    instance = Settings(page_size=7)
    assert app.config.from_settings(instance) is instance
    assert app.config["PAGE_SIZE"] == 7
    other = Heron()
    other.config.from_object(Settings)  # a settings class is loaded as settings
    assert other.config["PAGE_SIZE"] == 10 and isinstance(other.config.settings, Settings)


@pytest.mark.usefixtures("clean_environment")
def test_invalid_settings_name_every_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    class Strict(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="MYAPP_", env_nested_delimiter="__")

        port: int
        url: str
        api_token: SecretStr = Field(min_length=20)
        legacy: int = Field(0, validation_alias="OLD_LEGACY_NAME")
        db: Database = Database()

    monkeypatch.setenv("MYAPP_PORT", "eighty")
    monkeypatch.setenv("MYAPP_API_TOKEN", "short-token-value")
    monkeypatch.setenv("OLD_LEGACY_NAME", "x")
    monkeypatch.setenv("MYAPP_DB__PORT", "none")
    with pytest.raises(ConfigError) as caught:
        Heron(settings=Strict)
    message = str(caught.value)
    lines = message.splitlines()
    assert lines[0] == "Strict: invalid configuration (read from the environment):"
    assert "  MYAPP_PORT: Input should be a valid integer" in lines[1]
    assert lines[1].endswith("(got 'eighty')")
    assert "  MYAPP_URL: Field required" in lines
    assert any(line.startswith("  MYAPP_API_TOKEN: ") for line in lines)
    assert "short-token-value" not in message  # secrets are not echoed
    assert any(line.startswith("  OLD_LEGACY_NAME: ") for line in lines)
    assert any(line.startswith("  MYAPP_DB__PORT: ") for line in lines)
    assert caught.value.__cause__ is not None


@pytest.mark.usefixtures("clean_environment")
def test_settings_with_a_bad_builtin_value(monkeypatch: pytest.MonkeyPatch) -> None:
    class Odd(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="MYAPP_")

        max_body_size: str = "huge"

    with pytest.raises(ConfigError, match=r"^MYAPP_MAX_BODY_SIZE: .*valid integer"):
        Heron(settings=Odd)
