from django.db import transaction
from django.http import HttpResponse

from transactions_testapp.models import Reporter


def create_reporter(request):
    """Create a reporter; ?fail=1 raises after the write, ?on_commit=1 registers a callback."""
    Reporter.objects.create(name=request.GET["name"])
    if request.GET.get("on_commit"):
        transaction.on_commit(lambda: COMMITTED.append(request.GET["name"]))
    if request.GET.get("fail"):
        raise ValueError("the view failed after writing")
    return HttpResponse(str(transaction.get_autocommit()))


@transaction.non_atomic_requests
def create_reporter_non_atomic(request):
    return create_reporter(request)


#: Names whose on_commit callback ran.
COMMITTED = []
