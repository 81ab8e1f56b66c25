"""The README's import job runs as written, and says what it says."""

import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bulk_testapp.models import Product
from djongo_bulk import BulkIntegrityError

pytestmark = pytest.mark.usefixtures("db")
README = Path(__file__).resolve().parent.parent / "README.md"


def import_job():
    """The README's import_products(), with the test app's Product."""
    text = README.read_text()
    section = text[text.index("## An import job, end to end"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    code = code.replace("from shop.models import Product\n", "")
    namespace = {"Product": Product}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace["import_products"]


def write_file(path, rows):
    path.write_text("sku,name,price\n" + "".join(f"{sku},{name},{price}\n"
                                                 for sku, name, price in rows))
    return str(path)


def test_the_import_job_sends_what_the_readme_shows(tmp_path):
    kettle = Product.objects.create(sku="KETTLE", name="Kettle", price=30)
    Product.objects.create(sku="TOASTER", name="Toaster", price=25)
    path = write_file(tmp_path / "products.csv",
                      [("KETTLE", "Kettle", 32), ("MUG", "Mug", 6), ("BOWL", "Bowl", 8)])
    with CaptureQueriesContext(connection) as captured:
        result = import_job()(path)
    assert [q["sql"].split("(", 1)[0] for q in captured] == [
        "db.bulk_testapp_product.find", "db.__schema__.find_one_and_update",
        "db.bulk_testapp_product.bulk_write", "db.__schema__.update_one"]
    bulk = captured[2]["sql"]
    assert bulk.startswith(
        f'db.bulk_testapp_product.bulk_write([{{"updateOne": {{"filter": {{"_id": {kettle.pk}}}, '
        '"update": {"$set": {"sku": "KETTLE", "name": "Kettle", "price": 32, ')
    assert bulk.endswith('{"deleteMany": {"filter": {"_id": {"$in": [%d]}}}}], '
                         '{"ordered": false})' % (kettle.pk + 1))
    assert repr(result) == ("<BulkResult bulk_testapp.Product: 2 inserted, 1 matched, "
                            "1 modified, 1 deleted>")
    assert list(Product.objects.values_list("sku", "price")) == [("BOWL", 8), ("KETTLE", 32),
                                                                 ("MUG", 6)]


def test_a_bad_row_does_not_stop_the_others(tmp_path):
    path = write_file(tmp_path / "products.csv",
                      [("KETTLE", "Kettle", 32), ("MUG", "Mug", -6), ("BOWL", "Bowl", 8)])
    with pytest.raises(BulkIntegrityError) as raised:
        import_job()(path)
    (failure,) = raised.value.errors
    assert (failure.index, failure.obj.sku, failure.code) == (1, "MUG", 121)
    assert str(raised.value).startswith(
        "Bulk write on database 'default' (unordered): 1 of 3 writes failed.\n"
        f"  #1 insertOne of bulk_testapp.Product {failure.obj.pk} (save()): the collection's "
        "validator rejected the document")
    assert list(Product.objects.values_list("sku", flat=True)) == ["BOWL", "KETTLE"]
