"""The answer of every API action that starts an operation: 202 with the operation."""

from rest_framework import status
from rest_framework.response import Response

from portal.operations.api.serializers import OperationSerializer

__all__ = ["accepted"]


def accepted(operation) -> Response:
    # Shown to the one who started it, as their own role on its host lets them see it.
    context = {"access": operation.user}
    return Response(OperationSerializer(operation, context=context).data, status=status.HTTP_202_ACCEPTED)
