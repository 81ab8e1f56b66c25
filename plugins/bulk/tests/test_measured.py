"""The win, measured in commands: a djongo_execute recorder counts what each way sends."""

from collections import Counter

import pytest
from django.db import connection

from bulk_testapp.models import Product
from djongo_bulk import bulk_writes
from djongo_core.plugins import hookimpl

pytestmark = pytest.mark.usefixtures("db")


class Recorder:
    """Counts every command that reaches the server, by collection and operation."""

    def __init__(self):
        self.sent = Counter()

    @hookimpl(wrapper=True)
    def djongo_execute(self, command):
        self.sent[(command.collection, command.operation)] += 1
        return (yield)


def import_job(count):
    """An import: `count` new objects, then every one of them updated, a third deleted."""
    products = []
    for n in range(count):
        product = Product(sku=f"S{n:04}", price=n)
        product.save()
        products.append(product)
    for product in products:
        product.stock = product.price * 2
        product.save()
    for product in products[: count // 3]:
        product.delete()


def measure(run):
    recorder = Recorder()
    connection.plugin_host.register(recorder, "recorder")
    try:
        run()
    finally:
        connection.plugin_host.unregister("recorder")
    return recorder.sent


def test_an_import_job_sends_three_commands_instead_of_one_per_write_and_id():
    one_by_one = measure(lambda: import_job(300))
    assert Product.objects.count() == 200
    Product.objects.all().delete()

    def in_a_block():
        with bulk_writes():
            import_job(300)

    batched = measure(in_a_block)
    # 300 counter calls and 300 inserts, 300 updates, 100 deletes...
    assert one_by_one == Counter({
        ("__schema__", "find_one_and_update"): 300,
        ("bulk_testapp_product", "insert_one"): 300,
        ("bulk_testapp_product", "update_many"): 300,
        ("bulk_testapp_product", "delete_many"): 100,
    })
    # ... against one counter call and one bulk_write for all 700 writes, and the update that
    # gives the counter back the 700 ids drawn ahead (batch_size 1000) and not used.
    assert batched == Counter({
        ("__schema__", "find_one_and_update"): 1,
        ("bulk_testapp_product", "bulk_write"): 1,
        ("__schema__", "update_one"): 1,
    })
    assert sorted(Product.objects.values_list("stock", flat=True)) == [
        2 * n for n in range(100, 300)]
