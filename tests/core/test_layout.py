"""The layout CSV (LAYOUT_FILE): parsed as the cloud export writes it, serials matched as everywhere else, and
every problem one line naming the file, the line and the fix."""

from __future__ import annotations

import pytest

from pvs6sup.core.layout import azimuth_groups, disagreements, parse_layout, place

SERIALS = ["E00X00000001", "E00X00000002", "E00X00000003", "E00X00000012"]
HEADER = "serialNumber,xCoordinate,yCoordinate,rotation,azimuth,orientation"


def layout(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def problem(text: str, serials: list[str] = SERIALS) -> str:
    with pytest.raises(ValueError) as caught:
        place(parse_layout(text, "roof.csv"), serials, "roof.csv")
    message = str(caught.value)
    assert "\n" not in message and message.startswith("LAYOUT_FILE roof.csv")
    return message


def test_the_export_is_read_extra_columns_ignored_and_endings_matched() -> None:
    text = "\ufeff" + layout(
        "E00X00000001,10,20,0,180,PORTRAIT,extra",
        "00000002,30.5,20,90,270.0,landscape,x",
        "03,50,20,,,",
        header=HEADER + ",panelType",
    )
    panels = place(parse_layout(text, "roof.csv"), SERIALS, "roof.csv")
    assert [p.serial for p in panels] == ["E00X00000001", "E00X00000002", "E00X00000003"]
    second = panels[1]
    assert (second.x, second.rotation_deg, second.azimuth_deg, second.portrait) == (30.5, 90.0, 270.0, False)
    assert panels[2].azimuth_deg is None and panels[2].rotation_deg == 0.0 and panels[2].portrait
    assert panels[2].line == 4


def test_columns_in_another_order_and_case() -> None:
    text = "Orientation,AZIMUTH,serialnumber,rotation,ycoordinate,xcoordinate\nportrait,180,0001,0,5,7\n"
    [panel] = place(parse_layout(text, "roof.csv"), SERIALS, "roof.csv")
    assert (panel.serial, panel.x, panel.y) == ("E00X00000001", 7.0, 5.0)


def test_a_missing_column_is_named_with_the_fix() -> None:
    header = "serialNumber,xCoordinate,yCoordinate,azimuth,orientation"
    message = problem(layout("0001,1,2,180,portrait", header=header))
    assert "line 1: no rotation column" in message and "export the layout again" in message


def test_a_serial_that_matches_no_inverter() -> None:
    message = problem(layout("0001,1,2,0,180,portrait", "E00X99999999,3,2,0,180,portrait"))
    assert "line 3" in message and "matches none of the 4 inverters" in message
    assert "E00X99999999" not in message  # its short form: logs carry no whole serial


def test_an_ending_that_matches_several() -> None:
    message = problem(layout("2,1,2,0,180,portrait"))
    assert "line 2" in message and "matches 2 inverters" in message and "whole serial" in message


def test_an_inverter_listed_twice() -> None:
    message = problem(layout("0001,1,2,0,180,portrait", "E00X00000001,3,2,0,180,portrait"))
    assert "line 3" in message and "already on line 2" in message


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("0001,one,2,0,180,portrait", "xCoordinate is 'one', not a number"),
        ("0001,1,nan,0,180,portrait", "yCoordinate is 'nan', not a number"),
        ("0001,1,2,0,south,portrait", "azimuth is 'south', not a number"),
        ("0001,1,2,0,180,sideways", "neither portrait nor landscape"),
        (",1,2,0,180,portrait", "no serialNumber"),
    ],
)
def test_a_bad_cell(row: str, words: str) -> None:
    message = problem(layout(row))
    assert "line 2" in message and words in message


def test_an_empty_file_and_a_header_alone() -> None:
    assert "is empty" in problem("")
    assert "lists no panel" in problem(layout())


def test_azimuth_groups_and_where_the_faces_disagree() -> None:
    text = layout(
        "0001,0,0,0,178,portrait", "0002,1,0,0,185,portrait", "0003,2,0,0,92,portrait", "0012,3,0,0,359,portrait"
    )
    panels = place(parse_layout(text, "roof.csv"), SERIALS, "roof.csv")
    groups = azimuth_groups(panels)
    assert groups == (("E00X00000001", "E00X00000002"), ("E00X00000003",), ("E00X00000012",))
    assert disagreements(groups, [("E00X00000001", "E00X00000002"), ("E00X00000003",)]) == []
    lines = disagreements(groups, [("E00X00000001", "E00X00000003"), ("E00X00000002",)])
    assert lines == [
        "a face of 2 inverters holds panels of 2 azimuth groups",
        "an azimuth group of 2 panels was found on 2 faces",
    ]


def test_north_wraps_round() -> None:
    text = layout("0001,0,0,0,355,portrait", "0002,1,0,0,8,portrait")
    panels = place(parse_layout(text, "roof.csv"), SERIALS, "roof.csv")
    assert azimuth_groups(panels) == (("E00X00000002", "E00X00000001"),)
