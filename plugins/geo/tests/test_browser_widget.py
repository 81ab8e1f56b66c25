"""The map widget in a real browser (Debian's Chromium through Playwright, as the core's admin
test): a click places the point, and the stored document is the GeoJSON the form showed."""

import json
import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles.testing import StaticLiveServerTestCase

from geo_testapp.models import Place

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "browser"


def chromium_path():
    found = os.environ.get("DJONGO_CHROMIUM") or shutil.which("chromium") or shutil.which(
        "chromium-browser")
    if not found:
        pytest.fail("Chromium is not installed: run ./dev setup (it installs Debian's chromium "
                    "package) or set DJONGO_CHROMIUM to a Chromium executable.")
    return found


@pytest.mark.usefixtures("django_test_database")
class MapWidgetTests(StaticLiveServerTestCase):
    host = "127.0.0.1"

    def test_a_click_on_the_map_places_the_point_that_is_stored(self):
        from playwright.sync_api import sync_playwright

        User.objects.create_superuser("admin", "admin@example.com", "admin")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(),
                                                 headless=True, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1200})
                page.set_default_timeout(20_000)
                page.goto(self.live_server_url + "/admin/login/?next=/admin/")
                page.fill("#id_username", "admin")
                page.fill("#id_password", "admin")
                page.click("input[type=submit]")
                page.wait_for_url(self.live_server_url + "/admin/")
                page.goto(self.live_server_url + "/admin/geo_testapp/place/add/")
                page.fill("#id_name", "Paris")
                box = page.locator(".djongo-geo-map").bounding_box()
                # Equirectangular: x from longitude, y from latitude.
                page.mouse.click(box["x"] + (2.35 + 180) / 360 * box["width"],
                                 box["y"] + (90 - 48.85) / 180 * box["height"])
                shown = json.loads(page.input_value("#id_location"))
                assert shown["type"] == "Point"
                lng, lat = shown["coordinates"]
                assert lng == pytest.approx(2.35, abs=1) and lat == pytest.approx(48.85, abs=1)
                assert float(page.input_value("#id_location_lng")) == lng
                assert page.locator(".djongo-geo-shape circle").count() == 1
                page.screenshot(path=str(ARTIFACTS / "geo-01-point-placed.png"), full_page=True)
                # Typing the coordinates moves the point.
                page.fill("#id_location_lat", "48.8566")
                page.dispatch_event("#id_location_lat", "change")
                shown = json.loads(page.input_value("#id_location"))
                assert shown["coordinates"] == [lng, 48.8566]
                page.click("input[name=_save]")
                page.wait_for_url(self.live_server_url + "/admin/geo_testapp/place/")
            finally:
                browser.close()
        stored = Place.objects.get(name="Paris")
        from django.db import connection

        document = connection.mongo_database.geo_testapp_place.find_one({"_id": stored.pk})
        assert document["location"] == shown
