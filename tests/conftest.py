import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _tone_teacher_off(request, monkeypatch):
    """``analyze`` teaches the sentiment model by e5 when the 'teacher' extra is installed (``--tone-teacher
    auto``), as the test extras install it: a minute of reading per new file, and sentiment that depends on
    the file. Tests see the extra as missing there unless marked ``tone_teacher`` (tests/test_e5_tone.py)."""
    if request.node.get_closest_marker("tone_teacher") is None:
        monkeypatch.setattr("feedback_classifier.jobs.tone.e5_installed", lambda: False)


@pytest.fixture
def label_sessions(monkeypatch):
    """The sessions ``label`` opens, each served by a stand-in server that stops at once (as on Ctrl-C)."""
    import feedback_classifier.jobs.label_app as label_app

    class Interrupted:
        server_port = 9

        def serve_forever(self):
            raise KeyboardInterrupt

        def server_close(self):
            pass

    opened: list = []
    monkeypatch.setattr(label_app, "make_server", lambda session, port: opened.append(session) or Interrupted())
    return opened
