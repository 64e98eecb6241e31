"""The extraction process's message format, without processes: framing, surrogates, and error descriptions that
never repeat what a hostile child sent."""

from __future__ import annotations

import msgspec
import pytest

from scanner.extract.sandbox import End, Reply, Request, Start, describe_invalid, encode_frame
from scanner.models import ContentComponent, TableInfo

VALUE = "4111111111111111"


def _roundtrip(msg: msgspec.Struct, kind: object) -> object:
    frame = encode_frame(msgspec.msgpack.Encoder(), msg)
    assert int.from_bytes(frame[:8], "big") == len(frame) - 8
    return msgspec.msgpack.Decoder(kind).decode(frame[8:])


def test_components_with_tables_decode_into_the_model_dataclasses():
    comp = ContentComponent("id;card\n1;x", "Sheet!A1", "a.zip!/b.xlsx", 2, 9, 3, 4, [(0, "Sheet!A1"), (3, "Sheet!B1")],
                            TableInfo(["id", "card"], "Sheet", [0, 1], None, '"', 1))
    reply = _roundtrip(End([comp], ["a note"], 12), Reply)
    assert reply == End([comp], ["a note"], 12)
    assert type(reply.comps[0]) is ContentComponent and type(reply.comps[0].table) is TableInfo


def test_lone_surrogates_are_replaced_one_for_one():
    comp = ContentComponent("a\ud800b", member="x\udcffy", segments=[(0, "S!A1\udfff")],
                            table=TableInfo(["h\ud800"]))
    reply = _roundtrip(End([comp], ["n\udc80"], 0), Reply)
    assert reply.comps[0].text == "a\ufffdb" and reply.comps[0].member == "x\ufffdy"
    assert reply.comps[0].segments == [(0, "S!A1\ufffd")] and reply.comps[0].table.headers == ["h\ufffd"]
    assert reply.notes == ["n\ufffd"]
    # A file name that is not valid UTF-8 still reaches the extraction process.
    assert _roundtrip(Start("bad\udcff.doc", b"x"), Request) == Start("bad\ufffd.doc", b"x")


@pytest.mark.parametrize(("body", "described"), [
    ([VALUE, []], "invalid value at $[0]"),
    (["End", [{"text": 1, VALUE: 2}], [], 0], "wrong type or length at $[1][0].text"),
    (["End", [], [VALUE, 5], 0], "wrong type or length at $[2][1]"),
    (["End", [], [], 0, VALUE], "wrong type or length"),
    (["Failed", [], VALUE, "yes", 0], "wrong type or length at $[3]"),
    ({VALUE: VALUE}, "wrong type or length"),
])
def test_invalid_messages_are_described_without_their_content(body, described):
    with pytest.raises(msgspec.ValidationError) as info:
        msgspec.msgpack.Decoder(Reply).decode(msgspec.msgpack.encode(body))
    assert describe_invalid(info.value) == described


def test_bytes_that_are_not_messagepack_are_described_as_such():
    with pytest.raises(msgspec.DecodeError) as info:
        msgspec.msgpack.Decoder(Reply).decode(b"\xc1" + VALUE.encode())
    assert describe_invalid(info.value) == "not a valid message"
