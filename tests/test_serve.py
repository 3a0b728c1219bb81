"""kpwork serve: the Voila configuration, where pages find the results, CLI errors."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from kpwork import serve as srv
from kpwork.cli import main
from kpwork.errors import KpworkError
from kpwork.results import RESULTS_ENV, page_results_dir
from kpwork.serve_guard import allowed_hosts, content_security_policy, host_allowed
from kpwork.serve_kernels import _leaks, default_max_pages


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
    monkeypatch.setattr(srv, "_run_voila", lambda pages, results, config, hooks: calls.append((sorted(p.name for p in pages.iterdir()), results, config, hooks)))
    return calls


def test_config_is_locked_down():
    c = srv.voila_config(Path("/tmp/srv"), limits=srv.page_limits(max_pages=10))
    assert c.Voila.ip == "127.0.0.1" and c.Voila.port == 8866 and c.Voila.port_retries == 0
    assert c.Voila.root_dir == "/tmp/srv/pages" and c.Voila.connection_dir_root == "/tmp/srv"
    assert c.VoilaConfiguration.strip_sources is True
    assert c.VoilaConfiguration.show_tracebacks is False
    assert c.VoilaConfiguration.file_allowlist == [] and c.VoilaConfiguration.file_denylist == [r".*"]
    assert c.VoilaConfiguration.allow_template_override == "NO"
    assert c.MappingKernelManager.cull_idle_timeout == 20 and c.MappingKernelManager.cull_interval == 2
    assert c.MappingKernelManager.cull_connected is False
    assert c.VoilaKernelManager.kernel_pools_config == {"default": {"pool_size": 1}, "meeting.ipynb": {"pool_size": 3}}
    assert c.Voila.log_level == logging.ERROR
    # a pre-heated page rendered on a busy machine keeps its widgets (nbclient's 4 s dropped them: no map)
    assert c.VoilaExecutor.iopub_timeout >= 60


def test_the_page_renderer_gets_the_iopub_timeout():
    from voila.execute import VoilaExecutor

    c = srv.voila_config(Path("/tmp/srv"), limits=srv.page_limits(max_pages=10))
    assert VoilaExecutor(nbformat.v4.new_notebook(), config=c).iopub_timeout == srv.IOPUB_TIMEOUT


def test_limits_pass_through():
    c = srv.voila_config(Path("/p"), host="0.0.0.0", port=9000, limits=srv.page_limits(max_pages=40, viewers=30, grace=5, interval=1), verbose=True)
    assert (c.Voila.ip, c.Voila.port) == ("0.0.0.0", 9000)
    assert (c.MappingKernelManager.cull_idle_timeout, c.MappingKernelManager.cull_interval) == (5, 1)
    assert c.VoilaKernelManager.kernel_pools_config["meeting.ipynb"] == {"pool_size": 30}
    assert c.Voila.log_level == logging.INFO


def test_viewers_must_fit_under_the_cap():
    assert srv.page_limits(max_pages=5, viewers=3).max_pages == 5
    with pytest.raises(KpworkError, match=r"--viewers 30 needs --max-pages of at least 32"):
        srv.page_limits(max_pages=20, viewers=30)


def test_default_cap_follows_free_memory():
    assert default_max_pages(2**30) == 4  # the floor
    assert default_max_pages(10 * 2**30) == 20  # half of it at 250 MiB a page
    assert default_max_pages(2**40) == 200


def test_server_folder_holds_only_the_page_notebooks_and_its_owner(tmp_path):
    with srv.server_folder(tmp=tmp_path) as folder:
        assert sorted(p.name for p in (folder / "pages").iterdir()) == sorted(srv.PAGES)
        assert (folder / "owner").read_text().split()[0] == str(os.getpid())
        assert srv.clean_stale_folders(tmp_path) == []  # a running server's folder stays
    assert not folder.exists()


def test_stale_folders_of_dead_servers_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{srv.FOLDER_PREFIX}{dead.pid}-abc"
    (stale / "voila_x").mkdir(parents=True)
    (stale / "voila_x" / "kernel-1.json").write_text("{}")
    (stale / "owner").write_text(f"{dead.pid} 12345.00")
    reused = tmp_path / f"{srv.FOLDER_PREFIX}{os.getpid()}-def"  # our pid, but another start time: a reused id
    reused.mkdir()
    (reused / "owner").write_text(f"{os.getpid()} 1.00")
    foreign = tmp_path / f"{srv.FOLDER_PREFIX}nobody"  # no owner file: not ours to remove
    foreign.mkdir()
    assert sorted(srv.clean_stale_folders(tmp_path)) == sorted([stale, reused])
    assert [p.name for p in tmp_path.iterdir()] == [foreign.name]


@pytest.mark.parametrize(
    ("host", "header", "ok"),
    [
        ("127.0.0.1", "127.0.0.1:8866", True),
        ("127.0.0.1", "localhost:8866", True),
        ("127.0.0.1", "[::1]:8866", True),
        ("127.0.0.1", "LOCALHOST.:8866", True),
        ("127.0.0.1", "evil.example:8866", False),
        ("127.0.0.1", "127.0.0.1.evil.example", False),
        ("127.0.0.1", "192.168.1.5:8866", False),
        ("192.168.1.5", "192.168.1.5:8866", True),
        ("192.168.1.5", "evil.example", False),
        ("planovani.local", "planovani.local:8866", True),
        ("127.0.0.1", "", False),
    ],
)
def test_host_check(host, header, ok):
    assert host_allowed(header, allowed_hosts(host)) is ok


def test_a_wildcard_host_allows_this_computers_names_and_extra_ones_only():
    allowed = allowed_hosts("0.0.0.0", extra=["Sal.Obec.cz"])
    assert {"127.0.0.1", "localhost", "sal.obec.cz", socket.gethostname().lower()} <= allowed
    assert not host_allowed("evil.example:8866", allowed)


def test_policy_allows_only_this_server():
    policy = content_security_policy("127.0.0.1:8866")
    assert "default-src 'self'" in policy and "connect-src 'self' ws://127.0.0.1:8866 wss://127.0.0.1:8866" in policy
    assert "object-src 'none'" in policy and "unsafe-eval" not in policy
    assert "http" not in policy.replace("127.0.0.1", "")  # no other origin anywhere
    hostile = content_security_policy("x;script-src * 'unsafe-eval'")  # a refused Host header is answered with the policy too
    assert hostile.count(";") == policy.count(";") and len(hostile.split()) == len(policy.split())  # one token still
    assert "*" not in hostile and "'unsafe-eval'" not in hostile


def _ws_v1(header: dict, content: dict) -> bytes:
    parts = [b"iopub", json.dumps(header).encode(), b"{}", b"{}", json.dumps(content).encode()]
    offsets = [8 * (len(parts) + 2)]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    return len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets) + b"".join(parts)


@pytest.mark.parametrize("wrap", [lambda h, c: {"header": h, "content": c}, lambda h, c: json.dumps({"header": h, "content": c}), _ws_v1], ids=["dict", "json", "v1"])
def test_kernel_errors_never_reach_the_browser(wrap):
    leaks = [
        ({"msg_type": "error"}, {"traceback": ["/srv/x.py"]}),
        ({"msg_type": "stream"}, {"name": "stderr", "text": "Traceback"}),
        ({"msg_type": "comm_info_reply"}, {"status": "error", "traceback": ["/srv"]}),
    ]
    fine = [
        ({"msg_type": "stream"}, {"name": "stdout", "text": "hello"}),
        ({"msg_type": "comm_msg"}, {"data": {"method": "update"}}),
        ({"msg_type": "kernel_info_reply"}, {"status": "ok"}),
    ]
    assert [_leaks(wrap(h, c)) for h, c in leaks] == [True] * 3
    assert [_leaks(wrap(h, c)) for h, c in fine] == [False] * 3


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
    pages, results, config, hooks = no_voila[0]
    assert pages == sorted(srv.PAGES)
    assert config.Voila.ip == "127.0.0.1"
    assert hooks["allowed"] == frozenset({"127.0.0.1", "localhost", "::1"})
    assert "warning" not in result.output
    assert "http://" not in result.output  # the URL is printed once the server listens, not before


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


def test_one_rule_for_how_long_outputs_may_come_after_a_reply():
    from kpwork.kernels import iopub_timeout

    assert [iopub_timeout(t) for t in (60, 600, 900, 3600)] == [30, 60, 90, 120]
    assert iopub_timeout(None) == srv.IOPUB_TIMEOUT == 120, "a page without a cell timeout waits the longest"
