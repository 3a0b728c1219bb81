"""kpwork serve: the Voila configuration, where pages find the results, CLI errors."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpwork import serve as srv
from kpwork.cli import main
from kpwork.errors import KpworkError
from kpwork.results import RESULTS_ENV, page_results_dir


@pytest.fixture
def run_out(tmp_path: Path) -> Path:
    """An outputs folder with a (tiny) latest run of 'otrokovicko'."""
    results = tmp_path / "out" / "otrokovicko" / "20250101-000000" / "results"
    results.mkdir(parents=True)
    (results / "region.json").write_text(json.dumps({"region_name": "Otrokovicko <test>", "region_id": "otrokovicko"}), encoding="utf-8")
    (tmp_path / "out" / "otrokovicko" / "latest").symlink_to("20250101-000000")
    return tmp_path / "out"


@pytest.fixture
def no_voila(monkeypatch):
    """Record what would be served instead of starting Voila."""
    calls = []
    monkeypatch.setattr(srv, "_run_voila", lambda pages, results, config: calls.append((sorted(p.name for p in pages.iterdir()), results, config)))
    return calls


def test_config_is_locked_down():
    c = srv.voila_config(Path("/tmp/pages"))
    assert c.Voila.ip == "127.0.0.1" and c.Voila.port == 8866 and c.Voila.port_retries == 0
    assert c.Voila.root_dir == "/tmp/pages"
    assert c.VoilaConfiguration.strip_sources is True
    assert c.VoilaConfiguration.show_tracebacks is False
    assert c.VoilaConfiguration.file_allowlist == [] and c.VoilaConfiguration.file_denylist == [r".*"]
    assert c.VoilaConfiguration.allow_template_override == "NO"
    assert c.MappingKernelManager.cull_idle_timeout == 600 and c.MappingKernelManager.cull_interval == 60
    assert c.MappingKernelManager.cull_connected is False


def test_culling_settings_pass_through():
    c = srv.voila_config(Path("/p"), host="0.0.0.0", port=9000, culling=srv.Culling(idle_timeout=5, interval=1, connected=True), preheat=False)
    assert (c.Voila.ip, c.Voila.port) == ("0.0.0.0", 9000)
    assert (c.MappingKernelManager.cull_idle_timeout, c.MappingKernelManager.cull_interval, c.MappingKernelManager.cull_connected) == (5, 1, True)
    assert c.VoilaConfiguration.preheat_kernel is False


def test_pages_folder_holds_only_the_page_notebooks():
    with srv.pages_folder() as folder:
        assert sorted(p.name for p in folder.iterdir()) == sorted(srv.PAGES)
    assert not folder.exists()


def test_latest_results_of_a_region_or_a_run(run_out, sample_dir):
    found = srv.latest_results(sample_dir, run_out)
    assert found == (run_out / "otrokovicko" / "latest" / "results").resolve()
    assert srv.latest_results(run_out / "otrokovicko" / "latest", "elsewhere") == found


def test_no_run_is_a_clear_error(tmp_path, sample_dir):
    with pytest.raises(KpworkError, match=r"no run of region 'otrokovicko'.*run `kpwork run"):
        srv.latest_results(sample_dir, tmp_path)


def test_page_results_dir_prefers_the_server(monkeypatch):
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    assert page_results_dir("../outputs/x/latest/results") == Path("../outputs/x/latest/results")
    monkeypatch.setenv(RESULTS_ENV, "/srv/run/results")
    assert page_results_dir("../outputs/x/latest/results") == Path("/srv/run/results")


def test_index_lists_the_pages_and_escapes():
    page = srv.index_html({"region_name": "Otrokovicko <test>"})
    assert 'href="voila/render/meeting.ipynb"' in page and 'href="voila/render/catalogue.ipynb"' in page
    assert "Otrokovicko &lt;test&gt;" in page


def test_cli_serves_on_localhost_by_default(run_out, sample_dir, no_voila):
    result = CliRunner().invoke(main, ["serve", str(sample_dir), "--out", str(run_out), "--port", str(_free_port())])
    assert result.exit_code == 0, result.output
    pages, results, config = no_voila[0]
    assert pages == sorted(srv.PAGES)
    assert config.Voila.ip == "127.0.0.1"
    assert "warning" not in result.output


def test_cli_warns_when_the_lan_can_see_it(run_out, sample_dir, no_voila):
    result = CliRunner().invoke(main, ["serve", str(sample_dir), "--out", str(run_out), "--host", "0.0.0.0", "--port", str(_free_port()), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "warning: serving on 0.0.0.0: other computers on the network can open the pages" in result.output
    czech = CliRunner().invoke(main, ["serve", str(sample_dir), "--out", str(run_out), "--host", "0.0.0.0", "--port", str(_free_port())], env={"LANG": "C.UTF-8", "LC_ALL": ""})
    assert "upozornění: stránky na adrese 0.0.0.0 mohou otevřít i ostatní počítače v síti (bez hesla)" in czech.output


def test_cli_port_taken(run_out, sample_dir, no_voila):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", str(sample_dir), "--out", str(run_out), "--port", str(port)])
    assert result.exit_code == 1
    assert f"chyba: port {port} on 127.0.0.1 is taken" in result.output and "--port" in result.output
    assert not no_voila


def test_cli_no_run_yet(tmp_path, sample_dir, no_voila):
    result = CliRunner().invoke(main, ["serve", str(sample_dir), "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "chyba: no run of region 'otrokovicko'" in result.output and "kpwork run" in result.output
    assert not no_voila


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
