"""Our data as search engines and schema.org consumers see it: the official schema.org shapes."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph

STANDARDS = Path(__file__).resolve().parent / "standards" / "schemaorg"
DATA_TYPES = (
    "Boolean",
    "Date",
    "DateTime",
    "Number",
    "Text",
    "Time",
    "URL",
    "Float",
    "Integer",
    "CssSelectorType",
    "PronounceableText",
    "XPathType",
    "DataType",
)


@pytest.fixture(scope="module")
def schemaorg_shapes() -> tuple[Graph, Graph]:
    text = (STANDARDS / "schemaorg-shapes.shacl").read_text("utf-8")
    pattern = r"(:ValidSchema(?:{})\b a sh:NodeShape ;\s+sh:nodeKind )sh:BlankNodeOrIRI".format(
        "|".join(DATA_TYPES)
    )
    text, patched = re.subn(pattern, r"\1sh:IRIOrLiteral", text)
    assert patched == len(DATA_TYPES), "the known defect of release 30.0 is no longer where it was"
    shapes = Graph().parse(data=text, format="turtle")
    hierarchy = Graph().parse(STANDARDS / "schemaorg-subclasses.shacl", format="turtle")
    return shapes, hierarchy


def check(data: Graph, schemaorg_shapes) -> tuple[bool, str]:
    shapes, hierarchy = schemaorg_shapes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the shapes are recursive; pyshacl warns at each back-out
        conforms, _, text = pyshacl.validate(
            data, shacl_graph=shapes, ont_graph=hierarchy, inference="rdfs", max_validation_depth=200
        )
    return conforms, text


def test_records_and_description_pass_the_schema_org_shapes(release, schemaorg_shapes):
    data = Graph().parse(release / "dumps/data.ttl").parse(release / "dumps/catalog.ttl")
    conforms, text = check(data, schemaorg_shapes)
    assert conforms, text


def test_the_schema_org_shapes_do_catch_a_misused_property(schemaorg_shapes):
    broken = Graph().parse(
        data="""@prefix schema: <http://schema.org/> .
        <https://x.example/id/meeting/m> a schema:Event ; schema:attendee "Xu Hai" .""",
        format="turtle",
    )
    conforms, text = check(broken, schemaorg_shapes)
    assert not conforms and "attendee" in text
