"""The README's install route, as a new user takes it: wheels of the core and the plugins, pip
into a clean environment, and a fresh Django project outside this repository running the README's
settings (a persistent embedded HOST, both plugins on)."""

import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = """
SECRET_KEY = "packaging-test"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "djongo_core", "shop"]
DATABASES = {{"default": {{
    "ENGINE": "djongo_core",
    "NAME": "shop",
    "HOST": "embedded://{data}",
    "PLUGINS": ["indexes", "transactions"],
}}}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
"""

MODELS = """
from django.db import models


class Tag(models.Model):
    label = models.CharField(max_length=20)


class Product(models.Model):
    name = models.CharField(max_length=50)
    tags = models.ManyToManyField(Tag)
"""

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.db import transaction
from shop.models import Product, Tag

call_command("migrate", verbosity=0)
with transaction.atomic():
    product = Product.objects.create(name="kettle")
    product.tags.set([Tag.objects.create(label="kitchen"), Tag.objects.create(label="steel")])
print(sorted(Product.objects.get(name="kettle").tags.values_list("label", flat=True)))
"""


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command[:3]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    run(["bash", str(ROOT / "dev"), "wheels", str(out)])
    return out


def test_the_wheels_install_the_core_and_its_plugins_by_their_extras(wheels, tmp_path):
    built = sorted(path.name.split("-")[0] for path in wheels.glob("*.whl"))
    assert built == ["djongo_core", "djongo_geo", "djongo_indexes", "djongo_tailable",
                     "djongo_transactions"]

    environment = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = str(environment / "bin" / "python")
    # The README's command.
    run([python, "-m", "pip", "install", "--quiet", "--find-links", str(wheels),
         "djongo-core[embedded,indexes,transactions]"])

    project = tmp_path / "project"
    (project / "shop").mkdir(parents=True)
    (project / "shop" / "__init__.py").write_text("")
    (project / "shop" / "models.py").write_text(textwrap.dedent(MODELS))
    (project / "settings.py").write_text(SETTINGS.format(data=tmp_path / "data"))
    run([python, "-c", "import django, sys; sys.argv = ['manage.py', 'makemigrations', 'shop']; "
         "django.setup(); from django.core.management import execute_from_command_line; "
         "execute_from_command_line(sys.argv)"],
        cwd=project, env={"DJANGO_SETTINGS_MODULE": "settings", "PATH": "/usr/bin:/bin",
                          "DJONGO_EMBEDDED_IDLE_SECONDS": "2"})
    output = run([python, "-c", SCRIPT], cwd=project,
                 env={"DJANGO_SETTINGS_MODULE": "settings", "PATH": "/usr/bin:/bin",
                      "DJONGO_EMBEDDED_IDLE_SECONDS": "2"})
    assert output.strip() == "['kitchen', 'steel']"
    # Nothing of this checkout leaked into the environment: the package came from the wheel.
    # (Run outside the checkout: `python -c` puts the working directory first on sys.path.)
    location = run([python, "-c", "import djongo_core; print(djongo_core.__file__)"],
                   cwd=project)
    assert str(environment) in location and str(ROOT) not in location
    assert sys.prefix not in location
