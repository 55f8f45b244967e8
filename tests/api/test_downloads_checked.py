"""Downloads from every kind of result URL, and the check of every download's bytes: an MP4
answered for a thumbnail (LiteLLM) or an HTML page sent with a 200 stops as ``wrong_content``."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sora_studio.api.content import decode_data_url, same_origin
from sora_studio.api.provider import ProviderProfile
from sora_studio.api.videos import VideosClient
from sora_studio.core.errors import ProviderError
from sora_studio.core.models import AssetVariant, ErrorClass
from sora_studio.core.sniff import describe, fits_variant, kind_from_content_type, sniff, wrong_kind
from tests.api.conftest import Canned, CannedServer, Seen

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(range(256)) * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
PAGE = b"<!DOCTYPE html><html><head><title>Sign in - Corp SSO</title></head><body></body></html>"


@pytest.fixture
def other_host() -> Iterator[CannedServer]:
    server = CannedServer()
    try:
        yield server
    finally:
        server.stop()


def client_for(server: Any, preset: str = "generic") -> VideosClient:
    profile = ProviderProfile(
        "test", "gateway", server.base_url, "none", timeout_s=3.0, max_retries=0, preset=preset
    )
    return VideosClient(profile)


def failure(call: Any) -> ProviderError:
    with pytest.raises(ProviderError) as info:
        call()
    return info.value


# -- the sniffer ------------------------------------------------------------------------------


def test_sniff_knows_the_formats_that_matter() -> None:
    assert sniff(MP4) == "mp4"
    assert sniff(b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00") == "mp4"  # QuickTime
    assert sniff(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00") == "avif"
    assert sniff(WEBP) == "webp" and sniff(JPEG) == "jpeg" and sniff(PNG) == "png"
    assert sniff(b"GIF89a\x01\x00") == "gif"
    assert sniff(b"\xef\xbb\xbf  \n" + PAGE) == "html"
    assert sniff(b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>') == "xml"
    assert sniff(b' {"error": {"message": "x"}}') == "json"
    assert sniff(b"") == "unknown" and sniff(bytes(range(64))) == "unknown"


def test_variants_accept_only_their_kinds() -> None:
    assert fits_variant("mp4", "video") and not fits_variant("mp4", "thumbnail")
    assert fits_variant("webp", "thumbnail") and fits_variant("jpeg", "spritesheet")
    assert not fits_variant("html", "video") and not fits_variant("gif", "thumbnail")
    assert describe("mp4") == "an MP4 video"
    assert kind_from_content_type("video/mp4; codecs=avc1") == "mp4"
    assert kind_from_content_type("application/octet-stream") is None
    # Unknown bytes are judged by a clearly wrong Content-Type only.
    assert wrong_kind(b"x" * 100, "thumbnail", "video/mp4") == "mp4"
    assert wrong_kind(b"x" * 100, "thumbnail", "application/octet-stream") is None
    assert wrong_kind(WEBP, "thumbnail", "video/mp4") is None  # the bytes decide


# -- /content ---------------------------------------------------------------------------------


def test_mp4_answered_for_a_thumbnail_is_wrong_content(canned: Any, tmp_path: Path) -> None:
    canned.queue(body=MP4, headers={"content-type": "video/mp4"})
    dest = tmp_path / "thumb.part"
    with client_for(canned, "litellm") as client:
        err = failure(lambda: client.download("video_1", AssetVariant.THUMBNAIL, dest))
    assert err.error_class is ErrorClass.DOWNLOAD_FAILED
    assert err.code == "wrong_content"
    assert "the thumbnail request returned an MP4 video" in err.message
    assert "made locally" in err.message
    assert dest.read_bytes() == b""  # nothing of the video was kept as a thumbnail


def test_html_page_with_200_for_the_video_is_wrong_content(canned: Any, tmp_path: Path) -> None:
    canned.queue(body=PAGE, headers={"content-type": "text/html; charset=utf-8"})
    with client_for(canned) as client:
        err = failure(lambda: client.download("video_1", AssetVariant.VIDEO, tmp_path / "v"))
    assert err.code == "wrong_content"
    assert "an HTML page titled 'Sign in - Corp SSO'" in err.message
    assert "base URL" in err.message


def test_right_kinds_pass_and_a_tiny_file_is_still_checked(canned: Any, tmp_path: Path) -> None:
    canned.queue(body=WEBP, headers={"content-type": "image/webp"})
    canned.queue(body=b"<html>", headers={"content-type": "text/html"})
    with client_for(canned) as client:
        assert client.download("v", AssetVariant.THUMBNAIL, tmp_path / "t") == len(WEBP)
        err = failure(lambda: client.download("v", AssetVariant.SPRITESHEET, tmp_path / "s"))
    assert err.code == "wrong_content" and "spritesheet" in err.message


# -- result URLs ------------------------------------------------------------------------------


def test_result_url_on_the_providers_host_gets_the_key_and_others_do_not(
    canned: Any, other_host: CannedServer, tmp_path: Path
) -> None:
    canned.queue(body=MP4, headers={"content-type": "video/mp4"})
    other_host.queue(body=MP4, headers={"content-type": "video/mp4"})
    with client_for(canned) as client:
        own = f"{canned.base_url}/results/a.mp4"
        client.download("v", AssetVariant.VIDEO, tmp_path / "a", source_url=own)
        client.download("v", AssetVariant.VIDEO, tmp_path / "b", source_url="/v1/results/b.mp4")
        foreign = f"{other_host.base_url}/bucket/c.mp4?sig=abc"
        client.download("v", AssetVariant.VIDEO, tmp_path / "c", source_url=foreign)
    own_seen, relative_seen = canned.seen
    assert own_seen.headers["authorization"] == "Bearer emulator"
    assert relative_seen.path == "/v1/results/b.mp4"
    assert relative_seen.headers["authorization"] == "Bearer emulator"
    (foreign_seen,) = other_host.seen
    assert "authorization" not in foreign_seen.headers
    assert foreign_seen.path == "/v1/bucket/c.mp4?sig=abc"
    assert (tmp_path / "c").read_bytes() == MP4


def test_a_redirect_to_another_host_drops_the_key(
    canned: Any, other_host: CannedServer, tmp_path: Path
) -> None:
    def route(seen: Seen) -> Canned:
        return Canned(302, b"", {"location": f"{other_host.base_url}/signed/v.mp4"})

    canned.route = route
    other_host.queue(body=MP4, headers={"content-type": "video/mp4"})
    with client_for(canned) as client:
        own = f"{canned.base_url}/videos/v/result"
        assert client.download("v", AssetVariant.VIDEO, tmp_path / "v", source_url=own) > 0
    assert canned.seen[0].headers["authorization"] == "Bearer emulator"
    assert "authorization" not in other_host.seen[0].headers


def test_result_url_errors_are_classified(
    canned: Any, other_host: CannedServer, tmp_path: Path
) -> None:
    canned.queue(404, {"detail": "Video not found"})
    other_host.queue(403, b"<?xml version='1.0'?><Error>AccessDenied</Error>")
    with client_for(canned) as client:
        err = failure(
            lambda: client.download(
                "v", AssetVariant.VIDEO, tmp_path / "a", source_url=f"{canned.base_url}/r.mp4"
            )
        )
        assert err.error_class is ErrorClass.NOT_FOUND
        err = failure(
            lambda: client.download(
                "v", AssetVariant.VIDEO, tmp_path / "b", source_url=f"{other_host.base_url}/s"
            )
        )
        assert err.code == "link_refused" and "expired" in err.message
        err = failure(
            lambda: client.download(
                "v", AssetVariant.VIDEO, tmp_path / "c", source_url="ftp://host/v.mp4"
            )
        )
        assert err.code == "unsupported_url"


def test_file_url_is_copied_or_explained(canned: Any, tmp_path: Path) -> None:
    source = tmp_path / "out dir" / "video-1.mp4"
    source.parent.mkdir()
    source.write_bytes(MP4)
    progress: list[tuple[int, int | None]] = []
    with client_for(canned, "dynamo") as client:
        size = client.download(
            "video-1",
            AssetVariant.VIDEO,
            tmp_path / "copy",
            source_url=source.as_uri(),
            on_progress=lambda d, t: progress.append((d, t)),
        )
        assert size == len(MP4) and (tmp_path / "copy").read_bytes() == MP4
        assert progress[0] == (0, len(MP4)) and progress[-1] == (len(MP4), len(MP4))
        err = failure(
            lambda: client.download(
                "video-2",
                AssetVariant.VIDEO,
                tmp_path / "missing",
                source_url="file:///srv/dynamo/outputs/video-2.mp4",
            )
        )
    assert err.error_class is ErrorClass.DOWNLOAD_FAILED
    assert err.code == "file_unreadable"
    assert "path on its own disk" in err.message
    assert "http" in err.message and "base64" in err.message
    assert not (tmp_path / "missing").exists()
    assert canned.seen == []


def test_data_urls_decode_or_explain(canned: Any, tmp_path: Path) -> None:
    good = "data:video/mp4;base64," + base64.b64encode(MP4).decode()
    assert decode_data_url(good) == (MP4, "video/mp4")
    with client_for(canned, "dynamo") as client:
        size = client.download("v", AssetVariant.VIDEO, tmp_path / "a", source_url=good)
        assert size == len(MP4)
        err = failure(
            lambda: client.download(
                "v", AssetVariant.VIDEO, tmp_path / "b", source_url="data:video/mp4;base64,@@@"
            )
        )
        assert err.code == "bad_data_url"
        page = "data:video/mp4;base64," + base64.b64encode(PAGE).decode()
        err = failure(
            lambda: client.download("v", AssetVariant.VIDEO, tmp_path / "c", source_url=page)
        )
        assert err.code == "wrong_content"


def test_same_origin_compares_scheme_host_and_port() -> None:
    base = "http://127.0.0.1:4000/v1"
    assert same_origin("http://127.0.0.1:4000/files/a", base)
    assert not same_origin("http://127.0.0.1:4001/files/a", base)
    assert not same_origin("https://127.0.0.1:4000/files/a", base)
    assert same_origin("https://h.example/a", "https://H.example:443/v1")
    assert not same_origin("https://h.example.evil.com/a", "https://h.example/v1")
