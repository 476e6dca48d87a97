from ai_registry.kinds import build_request, example_values, kind_for
from tests.kinds.factories import model, param, tts_model, whisper_model


def test_transcription_is_multipart_with_model_and_file() -> None:
    spec = build_request(whisper_model(), {})
    assert kind_for(whisper_model()).name == "audio"
    assert (spec.path, spec.output) == ("/v1/audio/transcriptions", "text")
    assert spec.json is None
    assert spec.is_multipart and spec.content_type == "multipart/form-data"
    assert spec.form == {
        "model": "whisper-1",
        "language": "en",
        "prompt": example_values(whisper_model())["prompt"],
        "temperature": "0",
        "response_format": "json",
    }
    (part,) = spec.files
    assert (part.field, part.filename, part.placeholder_url) == ("file", "speech.wav", "@speech.wav")
    assert part.content_type in ("audio/wav", "audio/x-wav")
    assert part.path is None and part.json_path is None


def test_translation_form_and_form_values_are_text() -> None:
    spec = build_request(whisper_model("translations"), {"temperature": 0.4, "prompt": None})
    assert spec.path == "/v1/audio/translations"
    assert spec.form == {"model": "whisper-1", "temperature": "0.4", "response_format": "json"}


def test_uploaded_audio_becomes_a_file_part() -> None:
    upload = {"filename": "../../etc/My Talk (1).MP3", "content_type": "audio/mpeg", "path": "/up/x.mp3"}
    spec = build_request(whisper_model(), {"file": upload, "language": "de"})
    (part,) = spec.files
    assert part.filename == "My_Talk_1_.MP3"  # safe in a shell word and a form header
    assert part.content_type == "audio/mpeg"
    assert part.path == "/up/x.mp3"
    assert part.placeholder_url == "@My_Talk_1_.MP3"
    assert spec.form["language"] == "de"


def test_audio_url_becomes_a_remote_file_part() -> None:
    spec = build_request(whisper_model(), {"file": "https://example.com/audio/meeting.mp3"})
    (part,) = spec.files
    assert (part.url, part.filename, part.path) == ("https://example.com/audio/meeting.mp3", "meeting.mp3", None)


def test_undeclared_file_parameter_is_still_sent() -> None:
    m = model("w", "Audio", "/v1/audio/transcriptions", [param("language")], upstream_model="whisper-1")
    spec = build_request(m, {})
    assert [p.field for p in spec.files] == ["file"]


def test_speech_is_json() -> None:
    spec = build_request(tts_model(), {"input": "Hello", "voice": "echo", "speed": 1.5})
    assert (spec.path, spec.output, spec.form) == ("/v1/audio/speech", "audio", None)
    assert spec.json == {"input": "Hello", "voice": "echo", "model": "tts-1", "response_format": "mp3", "speed": 1.5}


def test_speech_text_parameter_is_sent_as_input_and_model_is_filled() -> None:
    m = model("tts", "Audio", "/v1/audio/speech", [param("text", required=True), param("voice", default="nova")])
    spec = build_request(m, {"text": "Hi there"})
    assert spec.json == {"input": "Hi there", "voice": "nova", "model": "tts"}


def test_speech_examples() -> None:
    values = example_values(tts_model())
    assert values["input"].strip() and values["voice"] == "alloy"
