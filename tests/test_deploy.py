"""The deploy/ files agree with each other and with the code (Docker itself is not run here)."""

from __future__ import annotations

import configparser
import json
import re
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.config import Settings

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"
ENV_EXAMPLE = DEPLOY / ".env.example"
CONFTEST_VARS = ("BRIEFBOT_DATABASE_URL", "BRIEFBOT_INBOX_DIR", "BRIEFBOT_ALLOW_PRIVATE_FEEDS")
_ENV_LINE = re.compile(r"^(?P<comment>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")


# --- a reader for the block-style YAML subset compose.yaml is written in ----------------------


def load_yaml_subset(text: str) -> object:
    """Parse block mappings, `- scalar` lists, JSON-style flow lists and plain scalars."""
    lines = [
        (len(raw) - len(raw.lstrip(" ")), raw.strip())
        for raw in text.splitlines()
        if raw.strip() and not raw.strip().startswith("#")
    ]
    value, end = _yaml_block(lines, 0, lines[0][0])
    assert end == len(lines), f"unexpected indentation at {lines[end][1]!r}"
    return value


def _yaml_block(lines: list[tuple[int, str]], i: int, indent: int) -> tuple[object, int]:
    if lines[i][1].startswith("- "):
        items: list[object] = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            items.append(_yaml_scalar(lines[i][1][2:].strip()))
            i += 1
        return items, i
    mapping: dict[str, object] = {}
    while i < len(lines) and lines[i][0] == indent:
        key, colon, rest = lines[i][1].partition(":")
        assert colon and key == key.strip(), f"not `key: value`: {lines[i][1]!r}"
        assert key not in mapping, f"duplicate key {key!r}"
        i += 1
        nested = i < len(lines) and (
            lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("- "))
        )
        if rest.strip():
            mapping[key] = _yaml_scalar(rest.strip())
        elif nested:
            mapping[key], i = _yaml_block(lines, i, lines[i][0])
        else:
            mapping[key] = None
    return mapping, i


def _yaml_scalar(text: str) -> object:
    if text.startswith("["):
        return json.loads(text)
    if text[:1] in ("'", '"'):
        assert text[-1] == text[0], f"unterminated quote: {text!r}"
        return text[1:-1]
    if text.isdigit():
        return int(text)
    return {"true": True, "false": False, "null": None, "~": None}.get(text, text)


def test_the_yaml_subset_reader_agrees_with_pyyaml() -> None:
    yaml = pytest.importorskip("yaml")
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    assert load_yaml_subset(text) == yaml.safe_load(text)


# --- compose.yaml -------------------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    data = load_yaml_subset((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _mount(spec: object) -> tuple[str, str, bool]:
    """Return (source, target, is_bind) of a short-syntax volume."""
    assert isinstance(spec, str)
    source, target = spec.split(":")[:2]
    return source, target, source.startswith((".", "/", "~"))


def test_compose_runs_postgres_with_a_healthcheck_and_a_named_volume() -> None:
    compose = _compose()
    assert set(compose["services"]) == {"db", "briefbot"}
    db = compose["services"]["db"]
    assert db["image"] == "postgres:16-alpine"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    [(source, target, bind)] = [_mount(v) for v in db["volumes"]]
    assert not bind and target == "/var/lib/postgresql/data"
    assert source in compose["volumes"]


def test_compose_runs_briefbot_against_that_database() -> None:
    compose = _compose()
    db, bot = compose["services"]["db"], compose["services"]["briefbot"]
    build = bot["build"]
    assert (DEPLOY / str(build["context"]) / str(build["dockerfile"])).resolve() == (
        DEPLOY / "Dockerfile"
    )
    assert (DEPLOY / str(bot["env_file"])).resolve() == REPO / ".env"
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert bot["restart"] == db["restart"] == "unless-stopped"

    env, db_env = bot["environment"], db["environment"]
    password = db_env["POSTGRES_PASSWORD"]
    assert password == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}"
    user, name = db_env["POSTGRES_USER"], db_env["POSTGRES_DB"]
    assert env["BRIEFBOT_DATABASE_URL"] == f"postgresql+psycopg://{user}:{password}@db:5432/{name}"


def test_compose_volumes_match_the_image_and_are_declared() -> None:
    compose = _compose()
    mounts = [_mount(v) for v in compose["services"]["briefbot"]["volumes"]]
    by_target = {target: (source, bind) for source, target, bind in mounts}
    assert set(by_target) == set(_dockerfile_volumes())
    assert by_target["/app/inbox"][1], "the inbox is a folder on the host"
    data_source, data_bind = by_target["/app/data"]
    assert not data_bind
    named = {
        source
        for service in compose["services"].values()
        for source, _, bind in (_mount(v) for v in service.get("volumes", []))
        if not bind
    }
    assert named == set(compose["volumes"]) and data_source in named
    # The bind-mounted inbox is the repository's git-ignored /inbox/.
    inbox = (DEPLOY / by_target["/app/inbox"][0]).resolve()
    assert inbox == REPO / "inbox"


def test_compose_only_interpolates_variables_documented_in_env_example() -> None:
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    assert used and used <= set(_env_example())


# --- Dockerfile ---------------------------------------------------------------------------------


def _dockerfile() -> list[tuple[str, str]]:
    """Return (INSTRUCTION, arguments) pairs, continuation lines joined."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), " ".join(rest.split())))
    return pairs


def _final_stage() -> list[tuple[str, str]]:
    pairs = _dockerfile()
    last_from = max(i for i, (word, _) in enumerate(pairs) if word == "FROM")
    return pairs[last_from:]


def _dockerfile_volumes() -> list[str]:
    [volumes] = [json.loads(args) for word, args in _final_stage() if word == "VOLUME"]
    assert isinstance(volumes, list)
    return volumes


def test_dockerfile_builds_a_wheel_then_runs_slim_as_a_non_root_user() -> None:
    pairs = _dockerfile()
    froms = [args for word, args in pairs if word == "FROM"]
    assert len(froms) == 2 and all(f.startswith("python:3.11-slim") for f in froms)
    assert any(word == "RUN" and "pip wheel" in args for word, args in pairs)
    final = _final_stage()
    users = [args for word, args in final if word == "USER"]
    assert users and users[-1] not in ("root", "0") and users[-1].split(":")[0] == "briefbot"
    assert ("WORKDIR", "/app") in final
    assert set(_dockerfile_volumes()) == {"/app/data", "/app/inbox"}
    [cmd] = [json.loads(args) for word, args in final if word == "CMD"]
    assert cmd == ["briefbot", "run"]


def test_dockerfile_healthcheck_runs_status_json() -> None:
    [check] = [args for word, args in _final_stage() if word == "HEALTHCHECK"]
    command = json.loads(check.split(" CMD ", 1)[1])
    assert command == ["briefbot", "status", "--json"]


def test_dockerfile_points_settings_at_its_volumes() -> None:
    env: dict[str, str] = {}
    for word, args in _final_stage():
        if word == "ENV":
            for part in shlex.split(args):
                name, _, value = part.partition("=")
                env[name] = value
    settings = Settings(
        database_url=env["BRIEFBOT_DATABASE_URL"], inbox_dir=Path(env["BRIEFBOT_INBOX_DIR"])
    )
    db_file = PurePosixPath(settings.database_url.removeprefix("sqlite:///"))
    assert db_file.is_absolute() and str(db_file.parent) in _dockerfile_volumes()
    assert str(settings.inbox_dir) in _dockerfile_volumes()


def test_dockerfile_copies_files_that_exist_and_are_not_docker_ignored() -> None:
    ignored = {
        line.strip().rstrip("/")
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", ".git", "data", "inbox", "benchmarks/.cache"} <= ignored
    copied = [
        source
        for word, args in _dockerfile()
        if word == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    ]
    assert copied
    for source in copied:
        assert (REPO / source).exists(), source
        assert not any(source == p or source.startswith(p + "/") for p in ignored), source


# --- systemd unit -------------------------------------------------------------------------------


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / "briefbot.service", encoding="utf-8")
    return parser


def test_systemd_unit_runs_briefbot_hardened() -> None:
    service = _unit()["Service"]
    home = PurePosixPath(service["WorkingDirectory"])
    assert service["User"] == "briefbot"
    assert service["EnvironmentFile"] == "/etc/briefbot/briefbot.env"
    assert service["ExecStartPre"] == f"{home}/.venv/bin/briefbot db upgrade"
    assert service["ExecStart"] == f"{home}/.venv/bin/briefbot run"
    assert service["Restart"] == "on-failure"
    assert service["KillSignal"] == "SIGTERM" and service["TimeoutStopSec"] == "30"
    assert service["NoNewPrivileges"] == service["PrivateTmp"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert "WantedBy" in _unit()["Install"]


def test_systemd_unit_can_write_where_the_default_settings_write() -> None:
    """The default database and inbox, relative to WorkingDirectory, must be writable."""
    service = _unit()["Service"]
    home = PurePosixPath(service["WorkingDirectory"])
    writable = {PurePosixPath(p) for p in service["ReadWritePaths"].split()}
    defaults = Settings.model_fields
    db_path = PurePosixPath(str(defaults["database_url"].default).removeprefix("sqlite:///"))
    assert home / db_path.parent in writable
    assert home / PurePosixPath(defaults["inbox_dir"].default) in writable


def test_the_deployed_commands_exist() -> None:
    runner = CliRunner()
    for args in (["run"], ["db", "upgrade"], ["status"]):
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)
    assert "--json" in runner.invoke(app, ["status", "--help"]).output


# --- .env.example -------------------------------------------------------------------------------


def _env_example() -> dict[str, tuple[str, bool]]:
    """Return {NAME: (value, commented_out)} for every variable line."""
    found: dict[str, tuple[str, bool]] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _ENV_LINE.match(line.strip())
        if match:
            assert match.group("name") not in found, f"{match.group('name')} twice"
            found[match.group("name")] = (match.group("value"), bool(match.group("comment")))
    return found


def test_env_example_lists_every_setting_and_nothing_else() -> None:
    expected = {f"BRIEFBOT_{name.upper()}" for name in Settings.model_fields}
    listed = {name for name in _env_example() if name.startswith("BRIEFBOT_")}
    assert listed == expected
    assert set(_env_example()) - listed == {"POSTGRES_PASSWORD"}


def test_env_example_documents_every_variable() -> None:
    paragraphs = ENV_EXAMPLE.read_text(encoding="utf-8").split("\n\n")
    for paragraph in paragraphs:
        lines = paragraph.strip().splitlines()
        names = [m.group("name") for m in map(_ENV_LINE.match, lines) if m]
        prose = [ln for ln in lines if ln.startswith("#") and not _ENV_LINE.match(ln)]
        assert not names or prose, f"{names} have no comment"


def test_env_example_holds_only_defaults_and_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CONFTEST_VARS:
        monkeypatch.delenv(name)
    from_example = Settings(_env_file=ENV_EXAMPLE)
    assert from_example == Settings(_env_file=None)
    example = _env_example()
    assert example["BRIEFBOT_TELEGRAM_TOKEN"] == ("", False)
    assert example["POSTGRES_PASSWORD"] == ("", False)
    assert not example["BRIEFBOT_WEBHOOK_SECRET"][0]


def test_env_example_optional_lines_are_valid_when_uncommented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in CONFTEST_VARS:
        monkeypatch.delenv(name)
    optional = {name: value for name, (value, commented) in _env_example().items() if commented}
    assert optional
    # An empty example value is the user's own to fill in (the webhook secret, which the
    # webhook URL requires): stand in for it so the example values beside it are checked.
    filled = {n: v or "stand-in-for-the-test" for n, v in optional.items()}
    env = tmp_path / "uncommented.env"
    env.write_text("".join(f"{n}={v}\n" for n, v in filled.items()), encoding="utf-8")
    settings = Settings(_env_file=env)
    for name, value in optional.items():
        if value:
            field = name.removeprefix("BRIEFBOT_").lower()
            assert getattr(settings, field) is not None, name
