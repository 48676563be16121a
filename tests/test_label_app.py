"""The label app: its session (decisions, undo, back, skip, restart, review, retrain), its HTTP API,
and keyboard-only labelling in a real headless Chromium at phone and desktop widths."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager

import pandas as pd
import pytest

from feedback_classifier.jobs.label_app import LabelSession, make_server
from feedback_classifier.tableio import read_table

COMMENTS = ["The courier was two hours late", "Prices went up again, too expensive", "Rude staff at the till",
            "The app crashes at checkout", "Refund still not received after a month", "Great quality jeans",
            "Support answered quickly and solved it"]


@pytest.fixture
def pool(tmp_path):
    pd.DataFrame({"id": [f"r{i}" for i in range(len(COMMENTS))], "comment": COMMENTS}).to_csv(
        tmp_path / "pool.csv", index=False)
    return tmp_path


def session(tmp_path, **kw) -> LabelSession:
    return LabelSession(tmp_path / "pool.csv", tmp_path / "labels.csv", text_col="comment", **kw)


def saved(tmp_path) -> pd.DataFrame:
    return read_table(tmp_path / "labels.csv")


def test_each_decision_is_in_the_file_at_once_and_a_restart_resumes(pool):
    s = session(pool)
    first = s.state()["item"]
    state = s.decide(first["row"], [0, 1])
    assert saved(pool).comment.tolist() == [first["text"]]
    assert saved(pool).labels.iloc[0] == s.taxonomy.format_labels([s.categories[1]])  # the child implies its parent
    second = state["item"]
    s.decide(second["row"], None)
    assert saved(pool).status.tolist() == ["labelled", "skipped"]
    again = session(pool)  # a restart: both decided comments are gone from the queue
    assert again.state()["item"]["text"] not in {first["text"], second["text"]}
    assert again.state()["remaining"] == len(COMMENTS) - 2
    assert (again.state()["labelled"], again.state()["skipped"]) == (1, 1)


def test_undo_forgets_the_decision_and_back_shows_it_again(pool):
    s = session(pool)
    first = s.state()["item"]
    s.decide(first["row"], [3])
    back = s.go_back()
    assert back["item"]["row"] == first["row"] and back["item"]["ticked"] == [3] and back["back"] == 1
    after = s.decide(first["row"], [4])  # relabel while going back: replaces, then forward again
    assert len(saved(pool)) == 1 and after["back"] == 0
    assert saved(pool).labels.iloc[0] == s.taxonomy.format_labels([s.categories[4]])
    undone = s.undo()  # takes back the relabel: the first label again, shown where it was
    assert undone["item"]["row"] == first["row"] and undone["back"] == 1 and undone["item"]["ticked"] == [3]
    assert saved(pool).labels.iloc[0] == s.taxonomy.format_labels([s.categories[3]])
    undone = s.undo()  # then the decision itself
    assert undone["item"]["row"] == first["row"] and undone["back"] == 0 and saved(pool).empty
    assert not undone["can_undo"]


def test_after_a_restart_back_reaches_the_comments_decided_before_it(pool):
    # a labeller restarting after a crash wants to look at, and fix, the last labels given before it
    s = session(pool)
    first = s.state()["item"]
    second = s.decide(first["row"], [3])["item"]
    s.decide(second["row"], None)
    again = session(pool)
    back = again.go_back()
    assert back["item"]["row"] == second["row"] and back["item"]["ticked"] == [] and back["back"] == 1
    back = again.go_back()
    assert back["item"]["row"] == first["row"] and back["item"]["ticked"] == [3] and back["back"] == 2
    assert again.go_back()["back"] == 2  # nothing decided before those two
    fixed = again.decide(first["row"], [4])  # a label of the last session corrected, then forward again
    assert fixed["back"] == 1 and len(saved(pool)) == 2
    assert saved(pool).labels.iloc[0] == again.taxonomy.format_labels([again.categories[4]])
    undone = again.undo()
    assert undone["item"]["row"] == first["row"] and undone["back"] == 2
    assert saved(pool).labels.iloc[0] == again.taxonomy.format_labels([again.categories[3]])  # undo took it back


def test_undo_after_going_back_takes_back_the_latest_change_not_the_latest_comment(pool):
    # decide A, B, C; go back twice; relabel B: undo deleted C's row and kept B's change
    s = session(pool)
    rows = []
    for j in range(3):
        rows.append(s.state()["item"]["row"])
        s.decide(rows[-1], [j])
    s.go_back()
    assert s.go_back()["item"]["row"] == rows[1]
    s.decide(rows[1], [5])
    undone = s.undo()
    assert undone["item"]["row"] == rows[1] and undone["item"]["ticked"] == [1]
    assert len(saved(pool)) == 3
    assert saved(pool).labels.tolist() == [s.taxonomy.format_labels([s.categories[j]]) for j in range(3)]
    assert s.undo()["item"]["row"] == rows[2] and len(saved(pool)) == 2  # then C, the last comment decided


def test_a_comment_put_back_by_undo_during_a_retrain_stays_in_the_queue(pool, monkeypatch):
    # the retrain rebuilt the queue from the rows waiting when it started: an undo meanwhile lost one
    s = session(pool)
    started, finish = threading.Event(), threading.Event()
    ranked = s._ranked

    def slow_ranked(rows, texts):
        started.set()
        finish.wait(10)
        return ranked(rows, texts)

    first = s.state()["item"]["row"]
    s.decide(first, [0])
    n = s.state()["remaining"]
    monkeypatch.setattr(s, "_ranked", slow_ranked)
    thread = s.start_retrain()
    assert started.wait(10)
    s.undo()  # the first comment back in front: the one shown before moves to the second place
    finish.set()
    thread.join(10)
    assert s.state()["remaining"] == n + 1
    assert len(s.queue) == len(set(s.queue)) and first in s.queue


def test_a_decision_for_a_comment_no_longer_shown_changes_nothing(pool):
    s = session(pool)
    row = s.state()["item"]["row"]
    s.decide(row, [0])
    state = s.decide(row, [1])
    assert state["stale"] and len(saved(pool)) == 1


def test_retraining_reorders_the_queue_in_the_background(pool):
    s = session(pool, retrain_every=2)
    s.decide(s.state()["item"]["row"], [0])
    current = s.state()["item"]["row"]
    thread = s.start_retrain()
    thread.join(30)
    assert s.state()["retrains"] == 1 and s.state()["item"]["row"] == current
    assert sorted(s.queue) == sorted(set(s.queue))


def test_a_background_session_shows_a_comment_before_its_suggestions_are_ready(pool, monkeypatch):
    import feedback_classifier.jobs.label_app as label_app

    pd.DataFrame({"comment": [f"late courier {i}" for i in range(25)],
                  "labels": ["Delivery and logistics"] * 25}).to_csv(pool / "labels.csv", index=False)
    gate, built = threading.Event(), label_app.build_ranker
    monkeypatch.setattr(label_app, "build_ranker", lambda *a, **k: gate.wait(30) and built(*a, **k))
    s = session(pool, background=True)  # returns while the model trains: the page can be served at once
    first = s.state()
    assert first["preparing"] and first["retraining"] and first["item"]["row"] == 0
    assert first["model"] == "taxonomy keywords" and not s.wait_ready(0.01)
    gate.set()
    assert s.wait_ready(30)
    ready = s.state()
    assert not ready["preparing"] and not ready["retraining"] and ready["retrains"] == 0
    assert ready["model"] == "trained on your labels" and ready["item"]["row"] == 0  # the comment shown stays
    assert sorted(s.queue) == list(range(len(COMMENTS)))


def test_review_mode_ignores_background(tmp_path):
    pd.DataFrame({"comment": COMMENTS[:2], "labels": ["Price and value", "Delivery and logistics"]}).to_csv(
        tmp_path / "pool.csv", index=False)
    s = session(tmp_path, review=True, background=True)
    assert not s.state()["preparing"] and s.wait_ready(0) and s.state()["item"]["text"] == COMMENTS[0]


def test_review_mode_goes_through_the_file_in_order_with_its_labels_ticked(tmp_path):
    pd.DataFrame({"comment": COMMENTS[:2], "labels": ["Price and value", "Delivery and logistics"],
                  "suggested_labels": ["Delivery and logistics", "Price and value"]}).to_csv(
        tmp_path / "pool.csv", index=False)
    s = session(tmp_path, review=True)
    item = s.state()["item"]
    assert item["text"] == COMMENTS[0] and item["hint"] == "Delivery and logistics"
    assert [s.categories[j] for j in item["ticked"]] == [("price", None)]
    s.decide(item["row"], [s.categories.index(("delivery", None))])
    assert saved(tmp_path).status.tolist() == ["reviewed"]
    assert session(tmp_path, review=True).state()["item"]["text"] == COMMENTS[1]



def test_review_skip_keeps_the_label_and_undo_puts_the_row_back_exactly(tmp_path):
    # audit's suspects reviewed against the labels file they came from (no status columns yet):
    # skipping one used to blank its label and mark it skipped, so train and audit left it out, and
    # undoing an answer left 'reviewed' and a time on a row never reviewed
    labels = pd.DataFrame({"comment": COMMENTS[:3], "labels": ["Price and value", "Delivery and logistics",
                                                                "Customer service"]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    labels.iloc[[1, 0]].assign(suspicion=[0.9, 0.8]).to_csv(tmp_path / "pool.csv", index=False)
    s = session(tmp_path, review=True)
    assert s.state()["item"]["text"] == COMMENTS[1]
    s.decide(s.state()["item"]["row"], None)  # skip: nothing to change
    assert saved(tmp_path)[["comment", "labels"]].equals(labels)
    assert "status" not in saved(tmp_path) or saved(tmp_path)["status"].isna().all()
    assert s.state()["item"]["text"] == COMMENTS[0]
    s.undo()  # the skip taken back: the skipped comment is shown again
    item = s.state()["item"]
    assert item["text"] == COMMENTS[1]
    s.decide(item["row"], [s.categories.index(("price", None))])
    assert saved(tmp_path)["labels"].tolist()[1] == "Price and value"
    s.undo()
    after = saved(tmp_path)
    assert after[["comment", "labels"]].equals(labels) and after.drop(columns=["comment", "labels"]).isna().all().all()

def serve(s: LabelSession):
    server = make_server(s, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def test_http_api_and_page(pool):
    server, url = serve(session(pool))
    try:
        page = urllib.request.urlopen(url + "/").read().decode()
        assert "<script>" in page and "https://" not in page and "http://" not in page
        state = json.loads(urllib.request.urlopen(url + "/api/state").read())
        body = json.dumps({"row": state["item"]["row"], "labels": [2]}).encode()
        req = urllib.request.Request(url + "/api/decide", body, {"Content-Type": "application/json"})
        after = json.loads(urllib.request.urlopen(req).read())
        assert after["labelled"] == 1 and after["item"]["row"] != state["item"]["row"]
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.shutdown()
        server.server_close()


def test_label_command_serves_until_ctrl_c_and_says_what_is_saved(pool, label_sessions):
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    result = CliRunner().invoke(app, ["label", str(pool / "pool.csv"), "--text-col", "comment", "--labels",
                                      str(pool / "labels.csv"), "--retrain-every", "5"])
    assert result.exit_code == 0, result.output
    assert f"Labelling {len(COMMENTS)} comments" in result.output and "http://127.0.0.1:9/" in result.output
    assert "Stopped. 0 labelled rows" in result.output


def test_a_labels_file_in_a_missing_folder_is_a_one_line_error_at_start(pool):
    # it started normally and failed at the first decision
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    result = CliRunner().invoke(app, ["label", str(pool / "pool.csv"), "--text-col", "comment", "--labels",
                                      str(pool / "nope" / "labels.csv")])
    assert result.exit_code == 1 and "does not exist; create it" in result.output, result.output
    assert "Traceback" not in result.output and "Labelling" not in result.output


def test_label_command_says_when_suggestions_come_later(pool, label_sessions, monkeypatch):
    from typer.testing import CliRunner

    import feedback_classifier.cli.label as label_cli
    import feedback_classifier.jobs.label_app as label_app
    from feedback_classifier.cli import app

    gate, built = threading.Event(), label_app.build_ranker
    monkeypatch.setattr(label_app, "build_ranker", lambda *a, **k: gate.wait(30) and built(*a, **k))
    monkeypatch.setattr(label_cli, "_READY_WAIT", 0.01)
    result = CliRunner().invoke(app, ["label", str(pool / "pool.csv"), "--text-col", "comment", "--labels",
                                      str(pool / "labels.csv")])
    gate.set()
    assert result.exit_code == 0, result.output
    assert "Suggestions are being prepared in the background" in result.output
    assert label_sessions[0].wait_ready(30) and label_sessions[0].state()["model"] == "default model"
    monkeypatch.setattr(label_cli, "_READY_WAIT", 30.0)
    quick = CliRunner().invoke(app, ["label", str(pool / "pool.csv"), "--text-col", "comment", "--labels",
                                     str(pool / "labels.csv")])
    assert "prepared in the background" not in quick.output  # ready within the wait: nothing to say


def test_a_port_in_use_is_a_one_line_error(pool):
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    server, _ = serve(session(pool))
    try:
        result = CliRunner().invoke(app, ["label", str(pool / "pool.csv"), "--text-col", "comment", "--labels",
                                          str(pool / "labels.csv"), "--port", str(server.server_port)])
        assert result.exit_code == 1 and "pass another --port" in result.output and "Traceback" not in result.output
    finally:
        server.shutdown()
        server.server_close()


def test_a_missing_text_column_is_a_one_line_error(pool):
    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    result = CliRunner().invoke(app, ["label", str(pool / "pool.csv"), "--text-col", "nope", "--labels",
                                      str(pool / "labels.csv")])
    assert result.exit_code == 1 and "nope" in result.output and "Traceback" not in result.output


# ---------------------------------------------------------------- a real browser

_BROWSER = shutil.which("chromium") and shutil.which("chromedriver")
browser_only = pytest.mark.skipif(not _BROWSER, reason="chromium and chromedriver (Debian chromium-driver) are needed")


def chrome(width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--user-data-dir={tempfile.mkdtemp()}", f"--window-size={width},{height}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)
    # a desktop window is at least 500 px wide: a phone's viewport is emulated
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})
    return driver


def wait_for(driver, predicate, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        value = predicate(driver)
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the page did not get there in time")


def press(driver, *keys):
    from selenium.webdriver.common.action_chains import ActionChains

    for key in keys:
        ActionChains(driver).send_keys(key).perform()
        time.sleep(0.05)


@contextmanager
def served_page(s, width: int = 1280):
    """A browser on session ``s``'s page (loaded, first comment shown); both closed after."""
    server, url = serve(s)
    driver = chrome(width, 900)
    try:
        driver.get(url + "/")
        wait_for(driver, lambda d: d.find_element("id", "text").text)
        yield driver
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


def ticked_names(driver) -> list[str]:
    return [li.text.split("\n")[1] if "\n" in li.text else li.text
            for li in driver.find_elements("css selector", "#cats li.on")]


@browser_only
@pytest.mark.parametrize("width", [390, 1280])
def test_keyboard_only_labelling_with_a_restart_in_the_middle(pool, width):
    from selenium.webdriver.common.keys import Keys

    s = session(pool)
    server, url = serve(s)
    driver = chrome(width, 900)
    try:
        driver.get(url + "/")
        text = lambda d: d.find_element("id", "text").text  # noqa: E731
        first = wait_for(driver, text)
        assert driver.execute_script("return document.documentElement.scrollWidth") <= width
        for li in driver.find_elements("css selector", "#cats li.on"):  # clear the pre-ticks by keyboard
            press(driver, li.find_element("css selector", ".n").text)
        press(driver, "2")  # toggle category 2 by number (with 48 categories it waits for a second digit first)
        wait_for(driver, lambda d: len(d.find_elements("css selector", "#cats li.on")) == 1)
        press(driver, "/", "too expens", Keys.ENTER)  # toggle a category by typing its name
        wait_for(driver, lambda d: len(d.find_elements("css selector", "#cats li.on")) == 2)
        press(driver, Keys.ENTER)  # accept
        second = wait_for(driver, lambda d: text(d) != first and text(d))
        got = saved(pool)
        assert got.comment.tolist() == [first]
        assert set(s.taxonomy.parse_labels(got.labels.iloc[0])) == {s.categories[1], ("price", "too_expensive")}
        press(driver, "s")  # skip
        third = wait_for(driver, lambda d: text(d) not in (first, second) and text(d))
        press(driver, "u")  # undo the skip: the second comment again
        wait_for(driver, lambda d: text(d) == second)
        assert len(saved(pool)) == 1
        press(driver, "b")  # back to the first, its labels ticked
        wait_for(driver, lambda d: text(d) == first)
        assert len(driver.find_elements("css selector", "#cats li.on")) == 2
        press(driver, "a")  # accept it again unchanged: forward to the second
        wait_for(driver, lambda d: text(d) == second)
        press(driver, "a")
        wait_for(driver, lambda d: text(d) not in (first, second) and text(d))
        assert third  # (the order after the undo may differ from before: the queue is live)
    finally:
        server.shutdown()
        server.server_close()
    # a restart in the middle: a new server on the same files resumes after the two decided comments
    server, url = serve(session(pool))
    try:
        driver.get(url + "/")
        resumed = wait_for(driver, text)
        assert resumed not in (first, second)
        assert "2 labelled" in driver.find_element("id", "progress").text
        press(driver, "s")
        wait_for(driver, lambda d: text(d) != resumed)
        assert saved(pool).status.tolist() == ["labelled", "labelled", "skipped"]
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


def test_an_xlsx_labels_file_keeps_its_dates_and_numbers(pool):
    # the app rewrote a date column of an XLSX labels file as text at its first decision
    import datetime as dt

    import openpyxl

    labels = pool / "labels.xlsx"
    pd.DataFrame({"comment": [COMMENTS[0]], "labels": ["Price and value"], "when": [dt.datetime(2026, 1, 1, 10, 30)],
                  "n": [7], "code": ["00123"]}).to_excel(labels, index=False)
    s = LabelSession(pool / "pool.csv", labels, text_col="comment")
    s.decide(s.state()["item"]["row"], [0])
    first = [(c.value, c.data_type) for c in next(openpyxl.load_workbook(labels).active.iter_rows(min_row=2))]
    assert first[2:5] == [(dt.datetime(2026, 1, 1, 10, 30), "d"), (7, "n"), ("00123", "s")]


def test_a_restart_after_a_few_labels_keeps_the_categories_and_the_model(pool):
    first = session(pool).state()
    s = session(pool)
    for _ in range(3):
        item = s.state()["item"]
        s.decide(item["row"], item["ticked"] or [0])
    again = session(pool).state()  # too few labels to train on: the bundled model, its categories
    assert (again["model"], again["categories"]) == (first["model"], first["categories"]) == (
        "default model", first["categories"])
    assert again["labelled"] == 3


def test_a_bad_decision_request_gets_a_400_saying_why_and_the_server_keeps_serving(pool):
    import urllib.error

    s = session(pool)
    server, url = serve(s)
    row = s.state()["item"]["row"]
    try:
        for body in ({"row": row, "labels": [99]}, {"row": row, "labels": [-1]}, {"labels": [0]},
                     {"row": row}, {"row": "x", "labels": [0]}, [1, 2], "not json"):
            data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
            req = urllib.request.Request(url + "/api/decide", data, {"Content-Type": "application/json"})
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(req, timeout=10)
            assert err.value.code == 400, body
            reply = err.value.read().decode()
            assert "\n" not in reply and json.loads(reply)["error"], body
        assert not (pool / "labels.csv").exists()  # nothing written
        state = json.loads(urllib.request.urlopen(url + "/api/state", timeout=10).read())
        assert state["item"]["row"] == row and state["labelled"] == 0
    finally:
        server.shutdown()
        server.server_close()


def post(url: str, path: str, body: dict):
    """``(status, reply)`` of a JSON POST, an HTTP error's status and reply included."""
    import urllib.error

    req = urllib.request.Request(url + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_a_write_that_fails_is_a_500_naming_the_file_and_changes_nothing(pool, monkeypatch):
    import feedback_classifier.jobs.label_app as label_app
    from feedback_classifier.tableio.atomic import unwritable_error

    s = session(pool)
    server, url = serve(s)
    try:
        first = s.state()["item"]
        assert post(url, "/api/decide", {"row": first["row"], "labels": [0]})[0] == 200
        before, on_disk = s.state(), (pool / "labels.csv").read_bytes()

        def refuse(frame, path):
            raise unwritable_error(path, PermissionError(13, "Permission denied"))

        monkeypatch.setattr(label_app, "write_label_frame", refuse)
        row = before["item"]["row"]
        for path, body in (("/api/decide", {"row": row, "labels": [1]}), ("/api/decide", {"row": row, "skip": True}),
                           ("/api/undo", {})):
            code, reply = post(url, path, body)
            assert code == 500 and "\n" not in reply, (path, body, reply)
            error = json.loads(reply)["error"]
            assert "labels.csv" in error and "Permission denied" in error and "nothing was changed" in error
            assert s.state() == before, (path, body)  # the comment, counts, queue and undo all as they were
        assert (pool / "labels.csv").read_bytes() == on_disk
        monkeypatch.undo()  # the folder is writable again: the same decision goes through
        after = json.loads(post(url, "/api/decide", {"row": row, "labels": [1]})[1])
        assert after["labelled"] == 2 and after["remaining"] == before["remaining"] - 1
        assert saved(pool).comment.tolist() == [first["text"], before["item"]["text"]]
        assert json.loads(post(url, "/api/undo", {})[1])["item"]["row"] == row  # undo takes back the second
        assert saved(pool).comment.tolist() == [first["text"]]
    finally:
        server.shutdown()
        server.server_close()


def test_stopped_counts_the_labels_in_the_file_not_the_ones_that_failed_to_save(pool, monkeypatch):
    from typer.testing import CliRunner

    import feedback_classifier.jobs.label_app as label_app
    from feedback_classifier.cli import app
    from feedback_classifier.errors import FeedbackClassifierError

    class DecideThenStop:  # the QA run: one decision saved, the labels folder replaced by a file, one more
        server_port = 9

        def __init__(self, session):
            self.session = session

        def serve_forever(self):
            s = self.session
            s.decide(s.state()["item"]["row"], [0])
            shutil.rmtree(pool / "lab")
            (pool / "lab").write_text("x")
            with pytest.raises(FeedbackClassifierError, match="lab"):
                s.decide(s.state()["item"]["row"], [0])
            raise KeyboardInterrupt

        def server_close(self):
            pass

    monkeypatch.setattr(label_app, "make_server", lambda session, port: DecideThenStop(session))
    (pool / "lab").mkdir()
    labels = pool / "lab" / "labels.csv"
    result = CliRunner().invoke(app, ["label", str(pool / "pool.csv"), "--text-col", "comment", "--labels",
                                      str(labels)])
    assert result.exit_code == 0, result.output
    assert f"Stopped. 0 labelled rows: {labels} does not exist" in result.output


@browser_only
def test_the_page_says_not_saved_and_keeps_the_comment_when_the_write_or_the_server_fails(tmp_path):
    from selenium.webdriver.common.keys import Keys

    pd.DataFrame({"comment": COMMENTS}).to_csv(tmp_path / "pool.csv", index=False)
    (tmp_path / "lab").mkdir()
    s = LabelSession(tmp_path / "pool.csv", tmp_path / "lab" / "labels.csv", text_col="comment")
    server, url = serve(s)
    driver = chrome(390, 844)
    text = lambda d: d.find_element("id", "text").text  # noqa: E731
    error = lambda d: d.find_element("id", "error")  # noqa: E731
    try:
        driver.get(url + "/")
        first = wait_for(driver, text)
        assert not error(driver).is_displayed()
        press(driver, Keys.ENTER)
        second = wait_for(driver, lambda d: text(d) != first and text(d))
        shutil.rmtree(tmp_path / "lab")  # the labels folder replaced by a file: the next write fails
        (tmp_path / "lab").write_text("x")
        press(driver, Keys.ENTER)
        shown = wait_for(driver, lambda d: error(d).is_displayed() and error(d).text)
        assert shown.startswith("Not saved: ") and "labels.csv" in shown
        assert text(driver) == second and "1 labelled" in driver.find_element("id", "progress").text
        press(driver, "s")  # still failing: still the same comment, still the message
        time.sleep(0.5)
        assert text(driver) == second and error(driver).is_displayed()
        (tmp_path / "lab").unlink()  # fixed: the same key goes on, the message goes away
        (tmp_path / "lab").mkdir()
        press(driver, Keys.ENTER)
        third = wait_for(driver, lambda d: text(d) not in (first, second) and text(d))
        assert not error(driver).is_displayed()
        assert read_table(tmp_path / "lab" / "labels.csv").comment.tolist() == [first, second]  # the whole table again
        server.shutdown()
        server.server_close()
        press(driver, Keys.ENTER)  # the server stopped (Ctrl+C): say so, keep the comment
        shown = wait_for(driver, lambda d: error(d).is_displayed() and error(d).text)
        assert shown.startswith("The labelling server is not running") and text(driver) == third
        errors = [e["message"] for e in driver.get_log("browser") if "favicon" in e["message"]]
        assert not errors  # the page asks for no favicon
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


def test_categories_are_named_in_the_comments_language_and_found_by_a_name_in_any(tmp_path):
    # a Russian pool showed English category names only, and typing "доставка" found nothing
    pd.DataFrame({"comment": ["Курьер опоздал на два часа", "Цены опять выросли", "Грубый кассир"]}).to_csv(
        tmp_path / "pool.csv", index=False)
    cats = session(tmp_path).state()["categories"]
    delivery = next(c for c in cats if not c["child"] and "доставка" in c["name"].lower())
    assert "delivery" in delivery["search"] and "доставка" in delivery["search"]
    assert session(tmp_path, lang="en").state()["categories"][0]["name"] == "Product quality"
    s = session(tmp_path)
    assert s.lang == "ru" and s.state()["model"] == "модель по умолчанию"  # the page's own words follow too
    server, url = serve(s)
    try:
        page = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
    finally:
        server.shutdown()
        server.server_close()
    assert 'lang="ru"' in page and "Принять" in page and "Accept" not in page
    from feedback_classifier.render.label_page import label_page

    assert "li.dataset.search.includes(w)" in label_page("t")  # the filter reads every language's names



def test_a_subcategory_whose_name_repeats_is_found_and_shown_by_its_path(tmp_path):
    # SemEval's taxonomy has four GENERALs: typing "restaurant general" found none, and the ticked
    # line said "2 GENERAL" without its parent
    pd.DataFrame({"comment": ["Great place", "Rude waiter"]}).to_csv(tmp_path / "pool.csv", index=False)
    cats = session(tmp_path, taxonomy="semeval-restaurants").state()["categories"]
    found = [c["path"] for c in cats if "restaurant general" in c["search"]]
    assert found == ["Restaurant > General"]
    assert sum("general" in c["search"] for c in cats) == 4
    from feedback_classifier.render.label_page import label_page

    page = label_page("t")
    assert 'replace(/>/g," ")' in page and "S.categories[i].path" in page


def test_a_labels_file_keeps_the_language_its_labels_are_written_in(tmp_path):
    # run first with --lang en, then without it on a Russian pool: Russian names were written beside
    # the English ones, two spellings of one category that train and audit then warn about
    pd.DataFrame({"comment": ["Курьер опоздал на два часа", "Цены опять выросли", "Грубый кассир"]}).to_csv(
        tmp_path / "pool.csv", index=False)
    pd.DataFrame({"comment": ["Курьер опоздал на два часа"], "labels": ["Delivery and logistics"],
                  "status": ["labelled"]}).to_csv(tmp_path / "labels.csv", index=False)
    s = session(tmp_path)
    assert s.lang == "en"
    s.decide(s.state()["item"]["row"], [s.categories.index(("price", None))])
    assert saved(tmp_path)["labels"].tolist()[1] == "Price and value"

def raw(url: str, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """``(status, reply)`` of a request with exactly these headers (a browser's Host, Origin...)."""
    import http.client

    host, port = url.rsplit("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None and "Content-Length" not in (headers or {}):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        reply = conn.getresponse()
        return reply.status, reply.read().decode()
    finally:
        conn.close()


def test_other_web_pages_can_neither_read_the_comments_nor_write_labels(pool):
    s = session(pool)
    server, url = serve(s)
    here = url.rsplit("//", 1)[1]
    try:
        row = s.current()
        decision = json.dumps({"row": row, "labels": [0]}).encode()
        # DNS rebinding: a page at evil.example:port that now resolves to 127.0.0.1
        for path in ("/", "/api/state"):
            status, reply = raw(url, "GET", path, headers={"Host": f"evil.example:{server.server_port}"})
            assert status == 403 and COMMENTS[0] not in reply
        assert raw(url, "POST", "/api/decide", decision, {"Host": "evil.example", "Content-Type": "application/json"})[0] == 403
        # CSRF: a form or a no-preflight fetch from another site (text/plain, form types)
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            status, _ = raw(url, "POST", "/api/decide", decision,
                            {"Host": here, "Origin": "https://evil.example", "Content-Type": ctype})
            assert status == 403
            status, _ = raw(url, "POST", "/api/decide", decision, {"Host": here, "Content-Type": ctype})
            assert status == 403
        status, _ = raw(url, "POST", "/api/decide", decision,
                        {"Host": here, "Origin": "https://evil.example", "Content-Type": "application/json"})
        assert status == 403
        assert s.current() == row and not (pool / "labels.csv").exists()
        # a huge or negative Content-Length is refused unread
        for length in (str(10**9), "-1"):
            status, _ = raw(url, "POST", "/api/decide", b"", {"Host": here, "Content-Type": "application/json",
                                                               "Content-Length": length})
            assert status == 413
        # the app's own page (same origin, JSON) still writes, by either local name
        status, reply = raw(url, "POST", "/api/decide", decision,
                            {"Host": f"localhost:{server.server_port}", "Origin": f"http://localhost:{server.server_port}",
                             "Content-Type": "application/json; charset=utf-8"})
        assert status == 200 and json.loads(reply)["labelled"] == 1
        status, reply = raw(url, "GET", "/", headers={"Host": here})
        assert status == 200 and "<script>" in reply
        # through an SSH tunnel (ssh -L 9000:127.0.0.1:PORT) the browser says localhost:9000
        status, reply = raw(url, "GET", "/api/state", headers={"Host": "localhost:9000"})
        assert status == 200 and json.loads(reply)["labelled"] == 1
        tunnel = {"Host": "localhost:9000", "Origin": "http://localhost:9000", "Content-Type": "application/json"}
        status, _ = raw(url, "POST", "/api/decide", decision, tunnel)
        assert status == 200
        for rebinding in ("localhost.evil.example:9000", "127.0.0.1.evil.example", "evil.example:localhost"):
            assert raw(url, "GET", "/api/state", headers={"Host": rebinding})[0] == 403
    finally:
        server.shutdown()
        server.server_close()


@browser_only
def test_the_page_labels_while_its_suggestions_are_prepared(pool, monkeypatch):
    import feedback_classifier.jobs.label_app as label_app

    gate, built = threading.Event(), label_app.build_ranker
    monkeypatch.setattr(label_app, "build_ranker", lambda *a, **k: gate.wait(30) and built(*a, **k))
    s = session(pool, background=True)
    server, url = serve(s)
    driver = chrome(390, 900)
    try:
        driver.get(url + "/")
        text = lambda d: d.find_element("id", "text").text  # noqa: E731
        progress = lambda d: d.find_element("id", "progress").text  # noqa: E731
        first = wait_for(driver, text)
        assert first == COMMENTS[0] and "preparing suggestions…" in progress(driver)
        assert "taxonomy keywords" in progress(driver)
        press(driver, "a")  # labelling goes on meanwhile
        second = wait_for(driver, lambda d: text(d) != first and text(d))
        gate.set()
        assert s.wait_ready(30)
        press(driver, "a")
        wait_for(driver, lambda d: text(d) not in (first, second) and "default model" in progress(d))
        assert "preparing" not in progress(driver) and len(saved(pool)) == 2
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


@browser_only
def test_shortcuts_follow_the_key_s_place_in_any_layout_and_ignore_ctrl(pool):
    # on a Russian layout the a/s keys type ф/ы: the shortcuts did nothing; Ctrl+A (select all) accepted
    with served_page(session(pool)) as driver:
        def key(text: str, code: str, modifiers: int = 0):
            for kind in ("keyDown", "keyUp"):
                driver.execute_cdp_cmd("Input.dispatchKeyEvent", {"type": kind, "key": text, "code": code,
                                                                  "modifiers": modifiers})
            time.sleep(0.1)

        text = lambda d: d.find_element("id", "text").text  # noqa: E731
        first = text(driver)
        key("a", "KeyA", modifiers=2)  # Ctrl+A
        key("s", "KeyS", modifiers=4)  # Cmd+S
        time.sleep(0.3)
        assert text(driver) == first
        assert not (pool / "labels.csv").exists() or saved(pool).empty
        key("ф", "KeyA")  # a on a Russian layout: accept
        second = wait_for(driver, lambda d: text(d) != first and text(d))
        key("ы", "KeyS")  # s: skip
        wait_for(driver, lambda d: text(d) not in (first, second) and text(d))
        key("г", "KeyU")  # u: undo the skip
        wait_for(driver, lambda d: text(d) == second)
        assert saved(pool).comment.tolist() == [first]


@browser_only
def test_typing_a_category_s_exact_name_toggles_it_not_the_first_that_contains_it(pool):
    # "/quality" + Enter ticked the parent "Product quality" (listed first), not the child named "Quality"
    from selenium.webdriver.common.keys import Keys

    s = session(pool)
    with served_page(s) as driver:
        for li in driver.find_elements("css selector", "#cats li.on"):  # clear the pre-ticks
            press(driver, li.find_element("css selector", ".n").text)
        wait_for(driver, lambda d: not d.find_elements("css selector", "#cats li.on"))
        press(driver, "/", "quality", Keys.ENTER)
        on = wait_for(driver, lambda d: d.find_elements("css selector", "#cats li.on"))
        assert [int(li.get_attribute("data-i")) for li in on] == [s.categories.index(("product", "quality"))]


@browser_only
def test_the_filter_finds_a_category_s_words_in_any_order_and_shows_when_nothing_matches(pool):
    # "/quality product" found nothing (only "product quality" did), and a filter matching no
    # category looked the same as one still to be typed
    s = session(pool)
    parent = s.categories.index(("product", None))
    with served_page(s) as driver:
        press(driver, "/", "quality product")
        visible = wait_for(driver, lambda d: [int(li.get_attribute("data-i")) for li in
                                              d.find_elements("css selector", "#cats li:not(.hidden)")])
        assert parent in visible
        assert "none" not in driver.find_element("css selector", "#filter").get_attribute("class")
        press(driver, "zzqx")
        wait_for(driver, lambda d: "none" in d.find_element("css selector", "#filter").get_attribute("class"))


@browser_only
def test_on_a_phone_the_comment_stays_in_view_while_the_categories_scroll(pool):
    # at 390 px the comment scrolled out of view while one picked in the category list below it
    with served_page(session(pool), width=390) as driver:
        driver.execute_script("window.scrollTo(0, 700)")
        time.sleep(0.2)
        assert driver.execute_script("return window.scrollY") > 0  # the page did scroll
        top = driver.execute_script("return document.getElementById('text').getBoundingClientRect().top")
        assert 0 <= top < 100
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 390


def test_a_background_session_ready_before_the_page_opens_starts_at_suggest_s_first(pool):
    # the label command waits up to 3 s for the first suggestions before serving the page: when they
    # were ready, the first comment was still the pool's first row (often a greeting), not suggest's first
    pd.DataFrame({"comment": [f"late courier {i}" for i in range(25)],
                  "labels": ["Delivery and logistics"] * 25}).to_csv(pool / "labels.csv", index=False)
    ranked = session(pool).queue  # the ranking built before any page: suggest's order
    s = session(pool, background=True)
    assert s.wait_ready(60)
    assert s.state()["item"]["row"] == ranked[0] != 0
    assert s.queue == ranked


def _two_rows_one_text(tmp_path):
    """A labels file where one answer ("Fine.") was given twice, one of them labelled wrongly, and
    audit's suspects: the wrong one first, with the labels it was audited with."""
    pd.DataFrame({"id": ["a", "b", "c"], "comment": ["Fine.", COMMENTS[0], "Fine."],
                  "labels": ["Price and value", "Delivery and logistics", "Delivery and logistics"]}).to_csv(
        tmp_path / "labels.csv", index=False)
    pd.DataFrame({"id": ["a", "c"], "comment": ["Fine.", "Fine."],
                  "labels": ["Price and value", "Delivery and logistics"],
                  "suggested_labels": ["Delivery and logistics", "Delivery and logistics"]}).to_csv(
        tmp_path / "pool.csv", index=False)


@pytest.mark.parametrize("id_col", [None, "id"])
def test_review_of_a_repeated_comment_corrects_the_suspect_row_not_its_twin(tmp_path, id_col):
    # "Вкусно." labelled twice: the suspect showed the twin's labels ticked and the correction went
    # to the twin's row, leaving the wrong label in the file
    _two_rows_one_text(tmp_path)
    s = session(tmp_path, review=True, id_col=id_col)
    item = s.state()["item"]
    assert [s.categories[j] for j in item["ticked"]] == [("price", None)]
    s.decide(item["row"], [s.categories.index(("delivery", None))])
    out = saved(tmp_path)
    assert out.id.tolist() == ["a", "b", "c"] and out.status.fillna("").tolist() == ["reviewed", "", ""]
    assert out.labels.tolist() == ["Delivery and logistics"] * 3
    again = session(tmp_path, review=True, id_col=id_col)  # a restart resumes at the twin, not past it
    assert again.state()["item"]["row"] == 1 and again.state()["remaining"] == 1


@pytest.mark.parametrize("other", [None, "unrelated"])
def test_a_review_into_a_labels_file_holding_none_of_its_comments_warns(tmp_path, other):
    # a mistyped --labels (labels.csv for labels.xlsx) reviewed the suspects into a new file silently:
    # the audited file kept every wrong label
    from feedback_classifier.errors import InputWarning

    _two_rows_one_text(tmp_path)
    if other is None:
        (tmp_path / "labels.csv").unlink()
    else:
        pd.DataFrame({"comment": ["Something else"], "labels": ["Price and value"]}).to_csv(
            tmp_path / "labels.csv", index=False)
    with pytest.warns(InputWarning, match="none of the 2 comments of .*pool.csv is in .*labels.csv"):
        session(tmp_path, review=True)


def test_a_review_of_the_audited_labels_file_does_not_warn(tmp_path, recwarn):
    from feedback_classifier.errors import InputWarning

    _two_rows_one_text(tmp_path)
    session(tmp_path, review=True)
    assert not [w for w in recwarn if issubclass(w.category, InputWarning)]


def test_a_tab_closed_while_the_app_answers_prints_no_traceback(pool, capfd):
    # a page reloaded or closed while the app was busy (retraining) printed a BrokenPipeError
    # traceback in the terminal the user labels from
    import socket
    import struct

    s = session(pool)
    answered, slow = threading.Event(), s.state

    def state():
        time.sleep(0.3)  # the browser gives up meanwhile
        try:
            return slow()
        finally:
            answered.set()

    s.state = state
    server, url = serve(s)
    try:
        for _ in range(3):
            answered.clear()
            sock = socket.create_connection(("127.0.0.1", server.server_port))
            sock.sendall(b"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset, as a tab closed
            sock.close()
            assert answered.wait(10)
            time.sleep(0.2)
        assert json.loads(urllib.request.urlopen(url + "/api/state").read())["item"]  # still serving
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capfd.readouterr().err


def test_the_app_writes_each_category_as_the_labels_file_spells_it(tmp_path):
    # SemEval's spelling (FOOD > QUALITY) reads as English names: corrections were written as
    # "Food > Quality", "Food > Style and options", so one category had two spellings in the file
    rows = [("The soup was cold", "FOOD > QUALITY"), ("Huge menu", "FOOD > STYLE_OPTIONS"),
            ("Rude waiter", "SERVICE > GENERAL"), ("Too pricey", "RESTAURANT > PRICES")]
    pd.DataFrame(rows, columns=["comment", "labels"]).to_csv(tmp_path / "labels.csv", index=False)
    pd.DataFrame({"comment": ["The soup was cold", "Huge menu"],
                  "labels": ["FOOD > QUALITY", "FOOD > STYLE_OPTIONS"]}).to_csv(tmp_path / "pool.csv", index=False)
    s = session(tmp_path, review=True, taxonomy="semeval-restaurants")
    c = s.categories.index
    s.decide(s.state()["item"]["row"], [c(("food", "quality")), c(("food", "style_options"))])
    s.decide(s.state()["item"]["row"], [c(("food", "style_options")), c(("ambience", "general"))])
    assert saved(tmp_path).labels.tolist() == [
        "FOOD > QUALITY; FOOD > STYLE_OPTIONS", "FOOD > STYLE_OPTIONS; Ambience > General",
        "SERVICE > GENERAL", "RESTAURANT > PRICES"]


def test_lang_still_names_the_categories_the_labels_file_spells_otherwise(tmp_path):
    pd.DataFrame({"comment": ["The soup was cold"], "labels": ["FOOD > QUALITY"]}).to_csv(
        tmp_path / "labels.csv", index=False)
    pd.DataFrame({"comment": ["Huge menu"]}).to_csv(tmp_path / "pool.csv", index=False)
    s = session(tmp_path, taxonomy="semeval-restaurants", lang="ru")
    s.decide(s.state()["item"]["row"], [s.categories.index(("food", "quality"))])
    assert saved(tmp_path).labels.tolist() == ["FOOD > QUALITY", "Еда > Качество"]


def test_the_page_does_not_claim_keywords_a_taxonomy_without_them_lacks(tmp_path):
    pd.DataFrame({"comment": ["Суп холодный", "Долго ждали"], "labels": ["Еда > Качество", "Обслуживание > Общее"]}
                 ).to_csv(tmp_path / "labels.csv", index=False)
    pd.DataFrame({"comment": ["Пиво вкусное", "Официант хамил"]}).to_csv(tmp_path / "pool.csv", index=False)
    s = session(tmp_path, lang="ru")  # no --taxonomy: inferred from the labels, no keywords
    assert s.state()["model"].startswith("нет до 20 меток") and "--taxonomy" in s.state()["model"]
    keywords = session(tmp_path, taxonomy="semeval-restaurants", lang="ru").state()["model"]
    assert keywords == "ключевые слова таксономии"


def test_a_deeply_nested_json_body_is_a_400_not_a_traceback_and_the_server_keeps_serving(pool, capfd):
    # 60,000 '[' fit in the 64 kB limit but not in Python's stack: json raised RecursionError,
    # the connection dropped without a reply and the terminal showed a traceback
    s = session(pool)
    server, url = serve(s)
    here = url.rsplit("//", 1)[1]
    try:
        for body in (b"[" * 60_000, b'{"row": ' + b"[" * 60_000):
            status, reply = raw(url, "POST", "/api/decide", body, {"Host": here, "Content-Type": "application/json"})
            assert status == 400 and "\n" not in reply and "nested" in json.loads(reply)["error"]
        status, reply = raw(url, "GET", "/api/state", headers={"Host": here})
        assert status == 200 and json.loads(reply)["labelled"] == 0
    finally:
        server.shutdown()
        server.server_close()
    assert "Traceback" not in capfd.readouterr().err


def test_two_label_apps_deciding_at_the_same_moment_lose_no_decision(pool, monkeypatch):
    """Two annotators, each with a label app on the same labels file: a decision the second app wrote
    while the first was between reading the file and renaming its copy over it was lost (21 of 60)."""
    import threading

    import feedback_classifier.jobs.label_app as app

    first, second = session(pool), session(pool)
    second.queue.reverse()  # the second annotator works from the end of the pool
    real_write, other = app.write_label_frame, []

    def write_after_the_other_app(frame, path):
        if not other:  # the first app's write: the second decides in the meantime
            other.append(threading.Thread(target=second.decide, args=(second.current(), [0])))
            other[0].start()
            other[0].join(0.5)
        return real_write(frame, path)

    monkeypatch.setattr(app, "write_label_frame", write_after_the_other_app)
    mine, theirs = first.current(), second.current()
    assert mine != theirs
    first.decide(mine, [1])
    other[0].join(10)
    assert sorted(saved(pool)["comment"]) == sorted([COMMENTS[mine], COMMENTS[theirs]])
    assert len(second.frame) == 2 and mine not in second.queue  # what the first decided left its queue


def test_labels_file_saved_by_excel_with_semicolons_while_the_app_runs_stays_so(pool):
    """Excel in a Russian or European locale saves the labels file ';' separated while the app runs: the
    app's next write went back to ',' and Excel then opened the file in one column."""
    s = session(pool)
    s.decide(s.current(), [0])
    saved(pool).to_csv(pool / "labels.csv", sep=";", index=False, encoding="utf-8-sig")
    s.decide(s.current(), [1])
    text = (pool / "labels.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].count(";") >= 3 and text.splitlines()[0].count(",") == 0
    assert len(read_table(pool / "labels.csv")) == 2


@browser_only
def test_a_decision_another_tab_made_first_is_said_not_saved(pool):
    """Two annotators in two tabs on one comment: the second one's Enter was dropped and the page moved on
    to the next comment without a word, so they took their answer as saved."""
    from selenium.webdriver.common.keys import Keys

    s = session(pool)
    with served_page(s) as driver:
        first = driver.find_element("id", "text").text
        s.decide(s.current(), [2])  # the other tab's decision
        press(driver, Keys.ENTER)
        wait_for(driver, lambda d: d.find_element("id", "text").text != first)
        error = driver.find_element("id", "error")
        assert error.is_displayed() and "another tab" in error.text
        assert saved(pool)["labels"].tolist() == [s.taxonomy.format_labels([s.categories[2]])]
        press(driver, "s")  # the next decision clears the notice
        wait_for(driver, lambda d: not d.find_element("id", "error").is_displayed())
