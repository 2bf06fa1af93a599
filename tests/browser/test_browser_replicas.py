"""Nothing a link names is lost when a replica dies: a student whose replica is killed reopens the link on a
live replica and gets the same model (from the model store every replica shares), the same step, the same
numbers. Three replicas behind nginx (serving/deploy/serve.py), all on 127.0.0.1; skipped without nginx."""
import sys
import urllib.parse

import pytest

from .conftest import ROOT, wait_idle
from .test_browser_store import edit_one_weight, output_text

sys.path.insert(0, str(ROOT / "serving" / "deploy"))
import serve  # noqa: E402


@pytest.mark.skipif(serve.nginx_binary() is None, reason="nginx is not installed")
def test_a_killed_replicas_student_reopens_the_same_model_step_and_numbers(browser, app, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNVIZ_DATA_DIR", str(tmp_path / "store"))             # one store file for all replicas
    with serve.Cluster(3, run_dir=tmp_path / "run") as cluster:
        context = browser.new_context(viewport={"width": 1400, "height": 2000})
        try:
            page = context.new_page()
            first = page.goto(f"{cluster.url}/Step_through_time?I=32&H=16&T=8")
            wait_idle(page)
            served_by = first.headers["x-upstream"]
            edit_one_weight(page, app, "3.0")
            app.press(page, "n", 3)
            app.wait_step(page, 3)
            link = page.url
            assert "m" in dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
            chart, output = app.stepper(page), output_text(page)

            cluster.kill_replica([f"127.0.0.1:{p}" for p in cluster.replica_ports].index(served_by))
            again = page.goto(link)                                        # the same browser, the same cookie
            wait_idle(page)
            assert again.headers["x-upstream"] != served_by
            assert app.exceptions(page) == []
            assert not any("not fully understood" in t for t in page.locator('[data-testid="stAlert"]').all_inner_texts())
            reopened = app.stepper(page)
            assert reopened["step"] == 3 and reopened["payload"] == chart["payload"]   # bit for bit
            assert reopened["values"] == chart["values"]
            assert output_text(page) == output
        finally:
            context.close()
