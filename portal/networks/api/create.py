"""`POST /api/v1/networks/`: create a network on a host, checked first against the host's
networks (name, subnet, driver) so the engine is sent only what it will do whole."""

from __future__ import annotations

import ipaddress
import re

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from portal.api.text_maps import TextMapField
from portal.api.validation import validated
from portal.networks.checks import driver_known, name_free, subnet_free
from portal.operations.api.responses import accepted
from portal.operations.api.serializers import OperationSerializer
from portal.operations.dispatch import submit

__all__ = ["NETWORK_NAME_RE", "CreateNetworkAction"]

NETWORK_NAME_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")


def _network(value: str, what: str):
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise serializers.ValidationError(
            f"'{value}' is not {what} in CIDR form (like 172.30.0.0/24, its host bits zero)."
        ) from None


class CreateNetworkSerializer(serializers.Serializer):
    host = serializers.IntegerField()
    name = serializers.CharField(max_length=255)
    driver = serializers.CharField(max_length=64, required=False, default="bridge")
    internal = serializers.BooleanField(required=False, default=False)
    attachable = serializers.BooleanField(required=False, default=False)
    subnet = serializers.CharField(required=False, allow_blank=True, default="")
    gateway = serializers.CharField(required=False, allow_blank=True, default="")
    ip_range = serializers.CharField(required=False, allow_blank=True, default="")
    labels = TextMapField()
    options = TextMapField(help_text="Driver options, e.g. com.docker.network.bridge.name.")

    def validate_name(self, value):
        value = value.strip()
        if not NETWORK_NAME_RE.fullmatch(value):
            raise serializers.ValidationError(
                f"'{value}' is not a network name: use letters, digits, _ . and -, starting with a letter or digit."
            )
        return value

    def validate_driver(self, value):
        return value.strip() or "bridge"

    def validate(self, attrs):
        subnet = _network(attrs["subnet"].strip(), "a subnet") if attrs["subnet"].strip() else None
        if subnet is None and (attrs["gateway"].strip() or attrs["ip_range"].strip()):
            raise serializers.ValidationError({"subnet": "A gateway or an IP range needs the subnet they lie in."})
        if subnet is not None and (gateway := attrs["gateway"].strip()):
            try:
                address = ipaddress.ip_address(gateway)
            except ValueError:
                raise serializers.ValidationError({"gateway": f"'{gateway}' is not an IP address."}) from None
            if address not in subnet:
                raise serializers.ValidationError({"gateway": f"The gateway {address} is not in the subnet {subnet}."})
        if subnet is not None and (ip_range := attrs["ip_range"].strip()):
            pool = _network(ip_range, "an IP range")
            if pool.version != subnet.version or not pool.subnet_of(subnet):
                raise serializers.ValidationError(
                    {"ip_range": f"The IP range {pool} is not within the subnet {subnet}."}
                )
        attrs["subnet_network"] = subnet
        return attrs


class CreateNetworkAction:
    policy_actions = {"create": "network.manage"}

    @extend_schema(request=CreateNetworkSerializer, responses={202: OperationSerializer})
    def create(self, request, *args, **kwargs):
        """Create a network (`docker network create`) on a host."""
        data = validated(CreateNetworkSerializer, request.data)
        host = self.policy_host  # the host in the body, where PolicyPermission allowed it
        name_free(host.pk, data["name"])
        driver_known(host.pk, data["driver"])
        if data["subnet_network"] is not None:
            subnet_free(host.pk, data["subnet_network"])
        params = {
            key: data[key]
            for key in (
                "name",
                "driver",
                "internal",
                "attachable",
                "subnet",
                "gateway",
                "ip_range",
                "labels",
                "options",
            )
        }
        operation = submit(request, host, "network.create", params, target_type="network", target_repr=data["name"])
        return accepted(operation)
