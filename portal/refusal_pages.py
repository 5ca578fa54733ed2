"""Pages answer a refusal the way the API does (portal.api.errors) and sockets do
(portal.ws.consumers): a page whose view lets a portal.refusals.Refusal through answers with its
status and its sentence on Berth's layout, never a 500. (A view that can do better — show the
form again with the sentence as a message — catches it itself.) A refusal the policy made (it
names its action) goes into the audit trail first, as the API's do (portal/audit/refusals.py)."""

from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin

from portal.audit.refusals import record_refusal_of
from portal.refusals import Refusal

__all__ = ["RefusalPageMiddleware"]


class RefusalPageMiddleware(MiddlewareMixin):
    # Sync only, and last in MIDDLEWARE: Django then runs the whole chain in one thread, instead of
    # hopping between the event loop and a thread around every async-capable middleware's hooks
    # (~17 hops a request: most of a list request's time under uvicorn; bench/containers_list.py).
    async_capable = False

    def process_exception(self, request, exception):
        if isinstance(exception, Refusal):
            record_refusal_of(exception, request)
            return render(request, "refusal.html", {"refusal": exception}, status=exception.status)
        return None
