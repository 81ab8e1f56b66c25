"""The README's demo as a new user meets it: migrate, superuser, runserver, the admin in use,
and data with integer ids surviving a restart of everything (persistent embedded engine)."""

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ON_REAL_MONGODB

EXAMPLE = Path(__file__).resolve().parent.parent / "example"

pytestmark = pytest.mark.skipif(
    ON_REAL_MONGODB, reason="the demo runs on the persistent embedded engine by design"
)


@pytest.fixture
def data_dir(tmp_path):
    directory = tmp_path / "data"
    yield directory
    stop_embedded_server(directory)


def stop_embedded_server(directory):
    advertisement = directory / "embedded.json"
    if advertisement.exists():
        pid = json.loads(advertisement.read_text())["pid"]
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


def manage(data_dir, *args, **kwargs):
    env = {**os.environ, "DJONGO_EXAMPLE_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=EXAMPLE, env=env,
                          capture_output=True, text=True, timeout=120, check=True, **kwargs)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """Just enough of a browser for Django's admin: cookies, CSRF tokens, redirects."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        return self.opener.open(self.base + path, timeout=10).read().decode()

    def post(self, path, data):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path))[1]
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True)
        request = urllib.request.Request(self.base + path, body.encode(),
                                         headers={"Referer": self.base + path})
        response = self.opener.open(request, timeout=10)
        return response.geturl(), response.read().decode()


def test_demo_serves_the_admin_where_one_logs_in_adds_a_user_and_a_group(data_dir):
    manage(data_dir, "migrate", "--no-input")
    manage(data_dir, "ensure_demo_superuser")
    port = free_port()
    env = {**os.environ, "DJONGO_EXAMPLE_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=EXAMPLE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        browser = Browser(f"http://127.0.0.1:{port}")
        for _ in range(100):
            try:
                browser.get("/admin/login/")
                break
            except OSError:
                time.sleep(0.1)
        landed, _ = browser.post("/admin/login/?next=/admin/",
                                 {"username": "admin", "password": "admin", "next": "/admin/"})
        assert landed.endswith("/admin/")
        landed, _ = browser.post("/admin/auth/group/add/", {"name": "Editors"})
        assert landed.endswith("/admin/auth/group/")
        landed, _ = browser.post("/admin/auth/user/add/", {
            "username": "bob", "password1": "a-long-password-1",
            "password2": "a-long-password-1", "usable_password": "true"})
        assert re.search(r"/admin/auth/user/\d+/change/$", landed)
        users = browser.get("/admin/auth/user/")
        assert ">bob<" in users and ">admin<" in users
        assert ">Editors<" in browser.get("/admin/auth/group/")
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_data_and_integer_ids_survive_a_restart_of_every_process(data_dir):
    manage(data_dir, "migrate", "--no-input")
    script = ("from library.models import Author; "
              "print(Author.objects.create(name='{name}').pk); "
              "print(sorted(Author.objects.values_list('pk', 'name')))")
    first = manage(data_dir, "shell", "-c", script.format(name="Ada")).stdout.split("\n")
    stop_embedded_server(data_dir)
    assert not (data_dir / "embedded.json").exists()
    second = manage(data_dir, "shell", "-c", script.format(name="Grace")).stdout.split("\n")
    first_id = int(first[-3])
    assert int(second[-3]) == first_id + 1
    assert second[-2] == str([(first_id, "Ada"), (first_id + 1, "Grace")])
