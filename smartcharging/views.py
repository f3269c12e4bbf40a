from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.db import connection
from django.http import HttpRequest, JsonResponse
from drf_spectacular.views import SpectacularRedocView


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the local runner."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# The one page the Content-Security-Policy is relaxed for. Redoc (from our own static files) writes its
# styles into <style> elements it makes at run time (its bundle offers no way to give them a nonce),
# draws its icons from data: URLs and runs its search in a worker made from a blob: URL. Scripts stay
# our own files only.
REDOC_NEEDS = {"style-src": [UNSAFE_INLINE], "img-src": ["data:"], "worker-src": ["blob:"]}
# Who may read it: SPECTACULAR_SETTINGS' SERVE_PERMISSIONS (anyone locally, signed-in staff in production).
api_docs = csp_update(REDOC_NEEDS)(SpectacularRedocView.as_view(url_name="api-schema"))
