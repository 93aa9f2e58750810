"""Reads of the open API, scoped by the calling client."""

from __future__ import annotations

import uuid

from django.http import Http404

from xueshi.api.models import ApiClient, ApiReceipt


def receipt_of(client: ApiClient, receipt_id: str) -> ApiReceipt:
    """The client's own receipt; anyone else's is 'not found'."""
    try:
        key = uuid.UUID(receipt_id)
    except ValueError:
        raise Http404 from None
    receipt = ApiReceipt.objects.filter(pk=key, client=client).first()
    if receipt is None:
        raise Http404
    return receipt
