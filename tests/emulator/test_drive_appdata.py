"""Drive v3 appDataFolder subset of the emulator, through googleapiclient over loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaInMemoryUpload

from contacts_crm.emulator import Emulator, EmulatorServer, build_drive_service, build_service


def _upload(drive: Any, name: str, data: bytes, **props: str) -> dict[str, Any]:
    media = MediaInMemoryUpload(data, mimetype="application/gzip")
    body: dict[str, Any] = {"name": name, "parents": ["appDataFolder"]}
    if props:
        body["appProperties"] = props
    return drive.files().create(body=body, media_body=media, fields="id,name,size").execute()


@pytest.fixture
def drive(emulator_server: EmulatorServer) -> Any:
    return build_drive_service(emulator_server)


def test_upload_list_download_delete(drive: Any, emulator: Emulator) -> None:
    made = _upload(drive, "seg-a-1", b"\x00\x01binary", pc="a")
    assert made["name"] == "seg-a-1" and made["size"] == "8" and set(made) == {"id", "name", "size"}
    _upload(drive, "seg-b-1", b"two")
    listed = (
        drive.files()
        .list(spaces="appDataFolder", fields="nextPageToken,files(id,name)", orderBy="createdTime")
        .execute()
    )
    assert [f["name"] for f in listed["files"]] == ["seg-a-1", "seg-b-1"]
    assert set(listed) == {"files"} and set(listed["files"][0]) == {"id", "name"}
    content = drive.files().get_media(fileId=made["id"]).execute()
    assert content == b"\x00\x01binary"
    meta = drive.files().get(fileId=made["id"], fields="appProperties,parents").execute()
    assert meta == {"appProperties": {"pc": "a"}, "parents": ["appDataFolder"]}
    assert drive.files().delete(fileId=made["id"]).execute() == ""
    with pytest.raises(HttpError) as err:
        drive.files().get_media(fileId=made["id"]).execute()
    assert err.value.resp.status == 404
    assert emulator.counters["drive.files.create"] == 2
    assert emulator.counters["drive.files.delete"] == 1


def test_query_and_pages(drive: Any) -> None:
    for i in range(5):
        _upload(drive, f"seg-{i}", str(i).encode())
    _upload(drive, "compact-1", b"c")
    names: list[str] = []
    token = None
    while True:
        page = (
            drive.files()
            .list(
                spaces="appDataFolder",
                q="name contains 'seg-' and trashed = false and 'appDataFolder' in parents",
                orderBy="name desc",
                pageSize=2,
                pageToken=token,
                fields="nextPageToken,files(name)",
            )
            .execute()
        )
        names += [f["name"] for f in page["files"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert names == ["seg-4", "seg-3", "seg-2", "seg-1", "seg-0"]
    exact = drive.files().list(spaces="appDataFolder", q="name = 'compact-1'").execute()
    assert [f["name"] for f in exact["files"]] == ["compact-1"]


def test_only_app_data_folder(drive: Any) -> None:
    with pytest.raises(HttpError) as err:
        drive.files().list(spaces="drive").execute()
    assert err.value.resp.status == 403
    with pytest.raises(HttpError) as err:
        drive.files().create(body={"name": "x"}).execute()
    assert err.value.resp.status == 403


def test_one_process_plays_people_and_drive() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "contacts_crm.emulator", "--port", "0", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        people = build_service(url)
        people.people().createContact(body={"names": [{"givenName": "Olga"}]}).execute()
        drive = build_drive_service(url)
        made = _upload(drive, "seg", json.dumps({"n": 1}).encode())
        assert json.loads(drive.files().get_media(fileId=made["id"]).execute()) == {"n": 1}
    finally:
        proc.terminate()
        proc.wait(10)
