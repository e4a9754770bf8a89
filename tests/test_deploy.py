"""The deployment examples in deploy/ stay true to the code: the environment template lists
every setting with its default, nginx lets each endpoint's largest allowed body through to the
app (which answers an oversize one itself), and the systemd units use only options systemd
knows (checked with systemd-analyze where it is installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from annotated_types import Le

from bot import answer_page, server, slack_http
from bot.channels import telegram
from bot.channels.line import channel as line
from bot.channels.webchat import channel as webchat
from bot.config import Settings
from flows.profiles import AttachmentRule

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
LINE = re.compile(r"^#?([A-Z][A-Z0-9_]*)=(.*)$")


def template() -> dict[str, str]:
    names: dict[str, str] = {}
    for line_ in (DEPLOY / "madoguchi.env").read_text(encoding="utf-8").splitlines():
        match = LINE.match(line_)
        if match:
            assert match[1] not in names, f"{match[1]} is listed twice"
            names[match[1]] = match[2]
    return names


# Read from the environment outside Settings: by uvicorn, and by where the catalogs are found.
OTHER_VARIABLES = {"FORWARDED_ALLOW_IPS": "uvicorn", "MADOGUCHI_LOCALES_DIR": "flows/i18n.py"}


def test_the_environment_template_lists_every_setting_and_nothing_else() -> None:
    settings = {str(field.validation_alias) for field in Settings.model_fields.values()}
    listed = set(template())
    assert not settings - listed, f"add to deploy/madoguchi.env: {sorted(settings - listed)}"
    assert not listed - settings - set(OTHER_VARIABLES), f"not a setting: {listed - settings}"


def test_the_other_variables_in_the_template_are_really_read_where_it_says() -> None:
    import uvicorn

    assert "FORWARDED_ALLOW_IPS" in Path(uvicorn.__file__).with_name("config.py").read_text()
    assert "MADOGUCHI_LOCALES_DIR" in (ROOT / "flows" / "i18n.py").read_text(encoding="utf-8")


def test_each_default_in_the_environment_template_is_the_real_default() -> None:
    fields = {str(f.validation_alias): (name, f) for name, f in Settings.model_fields.items()}
    for env, value in template().items():
        if env in OTHER_VARIABLES:
            continue
        name, field = fields[env]
        if field.default is None:
            assert value == "", f"{env} has no default: leave it empty in the template"
            continue
        read = getattr(Settings(_env_file=None, **{env: value}), name)  # type: ignore[call-arg]
        assert read == field.default, f"{env}: the template says {value!r}"


# --------------------------------------------------------------------------- nginx


def _size(text: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", text).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[unit.lower()]


def _tls_server() -> str:
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    servers = re.split(r"^server \{", text, flags=re.M)[1:]
    (tls,) = [s for s in servers if re.search(r"listen 443 ssl", s)]
    return tls


def _locations() -> list[tuple[str, str, str]]:
    """(modifier, path, body) of each location in the TLS server block."""
    pattern = r"^    location\s+(=|~\*?|\^~)?\s*(\S+)\s*\{\n(.*?)^    \}"
    return re.findall(pattern, _tls_server(), flags=re.M | re.S)


def nginx_limit(path: str) -> tuple[int, str]:
    """client_max_body_size for a request to ``path``, choosing the location as nginx does
    (exact match, then the first matching regex, then the longest prefix); and its body."""
    locations = _locations()
    chosen = next((loc for loc in locations if loc[0] == "=" and loc[1] == path), None)
    chosen = chosen or next(
        (loc for loc in locations if loc[0].startswith("~") and re.search(loc[1], path)), None
    )
    if chosen is None:
        prefixes = [loc for loc in locations if not loc[0] and path.startswith(loc[1])]
        chosen = max(prefixes, key=lambda loc: len(loc[1]))
    outer = re.search(r"^    client_max_body_size (\S+);", _tls_server(), flags=re.M)
    inner = re.search(r"client_max_body_size (\S+);", chosen[2])
    return _size((inner or outer)[1]), chosen[2]  # type: ignore[index]


def _largest_attachment() -> int:
    (bound,) = [m.le for m in AttachmentRule.model_fields["max_mb"].metadata if isinstance(m, Le)]
    return int(bound) * (1 << 20)


# Each endpoint that reads a body, with the app's own limit for it. nginx's must be larger:
# equal would let nginx, not the app, answer a body one byte over (with its bare error page
# instead of the web chat's message in the member's language).
ENDPOINTS = [
    (telegram.WEBHOOK_PATH, telegram.BODY_LIMIT),
    (line.WEBHOOK_PATH, line.BODY_LIMIT),
    (server.SLACK_PATH, slack_http.SLACK_BODY_LIMIT),
    ("/chat/coopdeli/send", webchat.BODY_LIMIT),
    ("/chat/coopdeli/resume", 1024),
    ("/chat/coopdeli/upload", _largest_attachment()),
    (answer_page.PATH.format(token="t0ken"), answer_page.BODY_LIMIT),
]


@pytest.mark.parametrize(("path", "app_limit"), ENDPOINTS, ids=[p for p, _ in ENDPOINTS])
def test_nginx_lets_every_body_the_app_accepts_through_and_a_little_more(
    path: str, app_limit: int
) -> None:
    limit, _ = nginx_limit(path)
    assert limit > app_limit, f"{path}: nginx {limit} bytes, the app {app_limit}"
    assert limit <= 2 * app_limit + (1 << 20), f"{path}: nginx's backstop is far above the app"


def test_nginx_keeps_metrics_and_health_checks_internal_and_streams_chat_events() -> None:
    for path in ("/metrics", "/readyz", "/healthz"):
        _, body = nginx_limit(path)
        assert "deny all;" in body and "allow 127.0.0.1;" in body, path
    _, events = nginx_limit("/chat/coopdeli/events")
    assert "proxy_buffering off;" in events
    tls = _tls_server()
    # The app trusts these from 127.0.0.1 only; nginx must replace what a client sent.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in tls
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in tls


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_example(tmp_path: Path) -> None:
    site = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=desk.example.jp", "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"],
        check=True, capture_output=True,
    )  # fmt: skip
    site = re.sub(r"/etc/letsencrypt/live/[^;]*fullchain.pem", str(tmp_path / "cert.pem"), site)
    site = re.sub(r"/etc/letsencrypt/live/[^;]*privkey.pem", str(tmp_path / "key.pem"), site)
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temp = " ".join(
        f"{kind}_temp_path {tmp_path}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{ {temp} include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    checked = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


# --------------------------------------------------------------------------- systemd


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd is not installed")
@pytest.mark.parametrize(
    "unit", ["madoguchi.service", "madoguchi-backup.service", "madoguchi-backup.timer"]
)
def test_the_systemd_units_use_only_options_systemd_knows(unit: str, tmp_path: Path) -> None:
    for name in ("madoguchi.service", "madoguchi-backup.service", "madoguchi-backup.timer"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        # The program is not installed here: verify checks that ExecStart= can run.
        text = text.replace("/srv/madoguchi/.venv/bin/madoguchi", shutil.which("true") or "")
        (tmp_path / name).write_text(text, encoding="utf-8")
    checked = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / unit)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and not checked.stderr.strip(), checked.stderr


def test_the_service_runs_serve_as_its_own_user_with_systemds_hardening() -> None:
    unit = (DEPLOY / "madoguchi.service").read_text(encoding="utf-8")
    for option in (
        "User=madoguchi",
        "EnvironmentFile=/etc/madoguchi/madoguchi.env",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/srv/madoguchi/var",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "PrivateDevices=yes",
        "CapabilityBoundingSet=\n",
        "SystemCallFilter=@system-service",
        "UMask=0077",
    ):
        assert option in unit, option
    assert "madoguchi serve --host 127.0.0.1 --port 8080" in unit
    assert "server 127.0.0.1:8080;" in (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
