"""Downloading: served from a local HTTP server, so the real pooch path runs offline."""
import hashlib
import io
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import soundfile as sf
from conftest import tone

import esc50.archive as dl
from esc50 import DownloadError, download

META = "filename,fold,target,category,esc10,src_file,take\n" + "".join(
    f"{i + 1}-1000{i}-A-{i}.wav,{i + 1},{i},class{i},False,1000{i},A\n" for i in range(3)
)


def make_zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def wav_bytes(seconds=5.0):
    buf = io.BytesIO()
    sf.write(buf, tone(seconds), 44100, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def esc50_like(meta=META, seconds=5.0):
    members = {"ESC-50-master/meta/esc50.csv": meta, "ESC-50-master/README.md": "ESC-50"}
    for line in meta.splitlines()[1:]:
        members[f"ESC-50-master/audio/{line.split(',')[0]}"] = wav_bytes(seconds)
    return make_zip(members)


GOOD = esc50_like()
ROUTES = {
    "/good.zip": GOOD,
    "/garbage.zip": b"PK\x03\x04 this is not really a zip archive" * 100,
    "/slip.zip": make_zip({"ESC-50-master/meta/esc50.csv": META, "../../evil.txt": "gotcha"}),
    "/short.zip": esc50_like(seconds=1.0),
    "/othermeta.zip": esc50_like(META.replace("class0", "renamed")),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/partial.zip":  # the connection drops halfway through
            self.send_response(200)
            self.send_header("Content-Length", str(len(GOOD)))
            self.end_headers()
            self.wfile.write(GOOD[: len(GOOD) // 2])
            self.wfile.flush()
            self.connection.close()
            return
        body = ROUTES.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(autouse=True)
def test_metadata(monkeypatch):
    monkeypatch.setattr(dl, "META_SHA256", hashlib.sha256(META.encode()).hexdigest())


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_downloads_verifies_and_moves_into_place(server, tmp_path):
    root = download(tmp_path / "ESC-50-master", url=f"{server}/good.zip", progress=False)
    assert root == tmp_path / "ESC-50-master"
    clips = sorted(p.name for p in (root / "audio").iterdir())
    assert clips == ["1-10000-A-0.wav", "2-10001-A-1.wav", "3-10002-A-2.wav"]
    assert leftovers(tmp_path) == ["ESC-50-master"]  # no archive, no temporary folder


def test_a_complete_copy_needs_no_network(server, tmp_path):
    root = download(tmp_path / "data", url=f"{server}/good.zip", progress=False)
    assert download(root, url="http://127.0.0.1:9/unreachable.zip", progress=False) == root


def test_download_uses_the_environment_variable(server, tmp_path, monkeypatch):
    monkeypatch.setenv("ESC50_DATA", str(tmp_path / "from-env"))
    assert download(url=f"{server}/good.zip", progress=False) == tmp_path / "from-env"


@pytest.mark.parametrize("route, message", [
    ("/partial.zip", "downloading .* failed"),
    ("/missing.zip", "downloading .* failed"),
    ("/garbage.zip", "corrupt zip archive"),
    ("/slip.zip", "'../../evil.txt' would be written outside"),
    ("/short.zip", r"220500 samples"),
    ("/othermeta.zip", "differs from the official metadata"),
])
def test_a_failed_download_leaves_nothing_behind(server, tmp_path, route, message):
    with pytest.raises(DownloadError, match=message):
        download(tmp_path / "ESC-50-master", url=server + route, progress=False)
    assert leftovers(tmp_path) == []
    assert not (tmp_path.parent / "evil.txt").exists() and not (tmp_path / "evil.txt").exists()


def test_an_interrupted_download_can_be_retried(server, tmp_path):
    with pytest.raises(DownloadError):
        download(tmp_path / "d", url=f"{server}/partial.zip", progress=False)
    assert download(tmp_path / "d", url=f"{server}/good.zip", progress=False).is_dir()


def test_refuses_to_replace_a_folder_with_other_content(server, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(DownloadError, match="holds no complete copy"):
        download(tmp_path / "mine", url=f"{server}/good.zip", progress=False)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"
