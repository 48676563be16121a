import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


import pytest  # noqa: E402


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
