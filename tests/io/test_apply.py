

def test_state_logs_survive_a_torn_line_and_keep_before_images_out_of_the_header(tmp_path):
    """A crash mid-append tears the last log line: the next entries are not lost with it."""
    import json as _json

    from contacts_crm.import_apply import ImportState

    state = ImportState(id="imp-t", source="x.xlsx")
    state.save(tmp_path)
    state.note_created({"k1": "people/c1"}, tmp_path)
    log = ImportState.path(tmp_path, "imp-t").with_suffix(".created")
    with log.open("ab") as fh:
        fh.write(b'["k2", "peop')  # the crash
    state.note_created({"k3": "people/c3"}, tmp_path)
    state.note_before({"people/c9": {"names": [{"givenName": "Old"}]}}, tmp_path)
    state.note_before({"people/c9": {"names": [{"givenName": "Newer"}]}}, tmp_path)
    state.save(tmp_path)

    loaded = ImportState.load(tmp_path, "imp-t")
    assert loaded is not None
    assert loaded.created == {"k1": "people/c1", "k3": "people/c3"}
    assert loaded.before == {"people/c9": {"names": [{"givenName": "Old"}]}}
    header = _json.loads(ImportState.path(tmp_path, "imp-t").read_text())
    assert "before" not in header and "created" not in header
