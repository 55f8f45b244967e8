"""Checks run inside the frozen bundle: ``sora-studio --bundle-self-test CHECK [ARG]``.

The bundle's libraries are not the development venv's: packaging/sora-studio.spec leaves parts
out, strips the rest, replaces two encoders by stand-ins and cryptography by a shim. These checks
run on the bundle's own copies (packaging/smoke_test.sh calls them), so a cut that broke one
fails the smoke test instead of a user's first click:

``imports``
    everything the app imports late imports, and does a little work with the bundle's copies:
    OpenBLAS multiplies, PyAV encodes H.264 + AAC and decodes it back, Pillow writes and reads
    the formats the app writes, Qt reads JPEG, WebP and SVG through its plugins, Python's ssl
    and truststore make a TLS context, the openai SDK builds a client on httpx2, the
    cryptography stand-in does AES-CBC, OpenTimelineIO writes and reads a timeline with a marker
    through each adapter the timeline export uses (.otio, FCP 7 XML, CMX 3600 EDL).
``play CLIP``
    QtMultimedia plays CLIP offscreen to its end through the FFmpeg backend, with a
    QAudioOutput as the desk's player has, counting the video frames and the seconds of sound
    it decoded (the sound is tapped with a QAudioBufferOutput, so no sound card is needed).
``keyring``
    keyring's backend is the Secret Service (the smoke test starts a stand-in on a private
    session bus), and a key goes in, comes back the same, and is deleted.

Prints one line per check, ``self-test: ...``, and exits 0, or 1 with the failure.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable


def check_imports() -> str:
    import importlib
    import ssl

    for name in [
        "fpdf",
        "fontTools.subset",
        "sqlite_utils",
        "uvicorn",
        "starlette.applications",
        "python_multipart",
        "platformdirs",
        "keyring.backends.SecretService",
        "secretstorage",
        "PySide6.QtMultimediaWidgets",
        "PySide6.QtSvg",
    ]:
        importlib.import_module(name)

    import numpy as np

    matrix = np.arange(64 * 64, dtype=np.float64).reshape(64, 64)
    _expect(float((matrix @ matrix.T).trace()) > 0, "OpenBLAS multiplied wrong")
    np.random.default_rng(1).random(4)

    _check_pyav()

    from PIL import Image

    picture = Image.new("RGB", (32, 16), (200, 40, 40))
    for fmt in ("WEBP", "JPEG", "PNG"):
        buffer = io.BytesIO()
        picture.save(buffer, fmt)
        with Image.open(io.BytesIO(buffer.getvalue())) as back:
            back.load()
            _expect(back.size == (32, 16) and back.format == fmt, (fmt, back.size))

    from PySide6.QtCore import QBuffer, QByteArray
    from PySide6.QtGui import QGuiApplication, QImage, QImageReader

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    formats = {bytes(f.data()).decode() for f in QImageReader.supportedImageFormats()}
    _expect({"jpeg", "webp", "svg", "png"} <= formats, sorted(formats))
    for fmt in ("JPEG", "WEBP"):
        buffer = QBuffer()
        buffer.open(QBuffer.OpenModeFlag.WriteOnly)
        _expect(QImage(24, 12, QImage.Format.Format_RGB32).save(buffer, fmt), fmt)
        back = QImage.fromData(QByteArray(buffer.data()), fmt)
        _expect(not back.isNull() and back.width() == 24, f"Qt cannot read {fmt}")
    del app

    context = ssl.create_default_context()
    _expect(context.verify_mode == ssl.CERT_REQUIRED, "ssl does not verify certificates")
    import truststore

    truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

    import httpx2
    import openai

    client = openai.OpenAI(api_key="sk-self-test", base_url="http://127.0.0.1:9/v1")
    client.close()

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key, iv = bytes(range(16)), bytes(16)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    sealed = encryptor.update(b"sixteen byte msg") + encryptor.finalize()
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    opened = decryptor.update(sealed) + decryptor.finalize()
    _expect(opened == b"sixteen byte msg", "AES-CBC did not round-trip")

    otio_version = _check_otio()
    return (
        f"imports: numpy {np.__version__} (BLAS multiplies), PyAV H.264+AAC round trip, "
        f"Pillow WebP/JPEG/PNG, Qt JPEG/WebP/SVG, {ssl.OPENSSL_VERSION}, openai "
        f"{openai.__version__} on httpx2 {httpx2.__version__}, AES-CBC, OpenTimelineIO "
        f"{otio_version} .otio/FCP XML/EDL round trip"
    )


def _check_otio() -> str:
    """A one-clip timeline with a marker out and back through each adapter the desk uses (they
    are found through plugin manifests, which a bundle can lose)."""
    import opentimelineio as otio

    rate = 24.0
    length = otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(48, rate)
    )
    media = otio.schema.ExternalReference(
        target_url="file:///tmp/clip-0001.mp4", available_range=length
    )
    clip = otio.schema.Clip(name="clip-0001.mp4", media_reference=media, source_range=length)
    clip.markers.append(
        otio.schema.Marker(
            name="NOTE",
            marked_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(12, rate), otio.opentime.RationalTime(0, rate)
            ),
        )
    )
    timeline = otio.schema.Timeline(name="self test")
    timeline.tracks.append(otio.schema.Track(name="V1", children=[clip]))
    for adapter in ("otio_json", "fcp_xml", "cmx_3600"):
        text = otio.adapters.write_to_string(timeline, adapter_name=adapter)
        back = otio.adapters.read_from_string(text, adapter_name=adapter)
        clips = list(back.find_clips())
        _expect(len(clips) == 1 and len(clips[0].markers) == 1, f"OTIO {adapter} round trip")
    return str(otio.__version__)


def _check_pyav() -> None:
    """Encode a short clip as the emulator does (libx264 + AAC in MP4) and decode it back."""
    import av
    import numpy as np

    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=24)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("aac", rate=48000, layout="stereo")
        for index in range(12):
            image = np.full((48, 64, 3), index * 20, dtype=np.uint8)
            container.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(video.encode(None))
        samples = np.zeros((2, 1024), dtype=np.float32)
        for index in range(24):
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = 48000, index * 1024
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))
    with av.open(io.BytesIO(buffer.getvalue())) as container:
        frames = sum(1 for _ in container.decode(video=0))
    with av.open(io.BytesIO(buffer.getvalue())) as container:
        sound = sum(f.samples for f in container.decode(audio=0))
    _expect(frames == 12, f"decoded {frames} of 12 video frames")
    _expect(sound >= 20 * 1024, f"decoded {sound} audio samples")


def check_play(clip: str) -> str:
    from PySide6.QtCore import QTimer, QUrl
    from PySide6.QtMultimedia import (
        QAudioBuffer,
        QAudioBufferOutput,
        QAudioOutput,
        QMediaPlayer,
        QVideoFrame,
        QVideoSink,
    )
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    player = QMediaPlayer()
    speaker = QAudioOutput()  # as the desk's player has; silent without a sound server
    player.setAudioOutput(speaker)
    tap = QAudioBufferOutput()
    player.setAudioBufferOutput(tap)
    sink = QVideoSink()
    player.setVideoSink(sink)
    seen = {"frames": 0, "sound": 0.0}
    errors: list[str] = []

    def on_frame(frame: QVideoFrame) -> None:
        if frame.isValid():
            seen["frames"] += 1

    def on_sound(buffer: QAudioBuffer) -> None:
        seen["sound"] += buffer.duration() / 1e6

    def on_status(status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            app.quit()

    sink.videoFrameChanged.connect(on_frame)
    tap.audioBufferReceived.connect(on_sound)
    player.errorOccurred.connect(lambda _error, text: errors.append(text))
    player.mediaStatusChanged.connect(on_status)
    player.setSource(QUrl.fromLocalFile(clip))
    player.play()
    QTimer.singleShot(30_000, app.quit)
    app.exec()

    seconds = player.duration() / 1000
    status = player.mediaStatus()
    _expect(not errors, f"the player failed: {errors}")
    _expect(status == QMediaPlayer.MediaStatus.EndOfMedia, f"playback stopped at {status}")
    _expect(player.hasVideo() and player.hasAudio(), "the player found no video or no sound")
    _expect(seen["frames"] >= 0.9 * 24 * seconds, f"{seen['frames']} frames in {seconds:.1f} s")
    _expect(seen["sound"] >= 0.9 * seconds, f"{seen['sound']:.2f} s of sound in {seconds:.1f} s")
    return (
        f"play: {seconds:.1f} s clip played to its end, {seen['frames']} video frames and "
        f"{seen['sound']:.2f} s of sound decoded"
    )


def check_keyring() -> str:
    import secrets

    import keyring
    from keyring.backends import SecretService, chainer

    backend = keyring.get_keyring()
    chosen = backend.backends if isinstance(backend, chainer.ChainerBackend) else [backend]
    _expect(any(isinstance(b, SecretService.Keyring) for b in chosen), f"keyring chose {backend}")
    service, user = "sora-studio-self-test", "bundle"
    key = f"sk-self-test-{secrets.token_hex(12)}"
    keyring.set_password(service, user, key)
    _expect(keyring.get_password(service, user) == key, "the key came back different")
    keyring.delete_password(service, user)
    _expect(keyring.get_password(service, user) is None, "the key was not deleted")
    return f"keyring: {type(backend).__module__} stored, read back and deleted a key"


def _expect(condition: object, failure: object) -> None:
    """An assert that stays when Python runs optimised."""
    if not condition:
        raise AssertionError(str(failure))


CHECKS: dict[str, Callable[..., str]] = {
    "imports": check_imports,
    "play": check_play,
    "keyring": check_keyring,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in CHECKS:
        print(
            f"usage: sora-studio --bundle-self-test {{{','.join(CHECKS)}}} [ARG]", file=sys.stderr
        )
        return 2
    try:
        print(f"self-test: {CHECKS[argv[0]](*argv[1:])}", flush=True)
    except Exception as exc:
        print(f"self-test: {argv[0]} FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0
