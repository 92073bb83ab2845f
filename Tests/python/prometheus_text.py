"""Reads Prometheus text exposition with the reference parser (prometheus-client)."""
from prometheus_client.parser import text_string_to_metric_families


def parse(text):
    """{metric name: {command label: value}}, with every family's type and help checked."""
    values = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge", f"{family.name} is a {family.type}"
        assert family.documentation, f"{family.name} has no HELP"
        for sample in family.samples:
            assert set(sample.labels) == {"command"}, sample
            values.setdefault(sample.name, {})[sample.labels["command"]] = sample.value
    return values


def read(path):
    with open(path) as handle:
        return parse(handle.read())
