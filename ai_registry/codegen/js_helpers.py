"""Functions a JavaScript snippet defines when it needs them: saving bytes, reading files, printing a stream."""

JS_SAVE = """\
// Saves bytes: to a file in Node, as a download in a browser.
async function save(filename, bytes) {
  if (typeof document === "undefined") {
    const { writeFile } = await import("node:fs/promises");
    await writeFile(filename, bytes);
  } else {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([bytes]));
    link.download = filename;
    link.click();
  }
  console.log(`Saved ${filename}`);
}

const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
"""

JS_LOAD = """\
// Reads a local file in Node; in a browser, use the File from an <input type="file"> instead.
async function loadFile(filename, type) {
  const { readFile } = await import("node:fs/promises");
  return new Blob([await readFile(filename)], { type });
}
"""

JS_DATA_URI = """\
async function toDataUri(blob) {
  let binary = "";
  for (const byte of new Uint8Array(await blob.arrayBuffer())) binary += String.fromCharCode(byte);
  return `data:${blob.type};base64,${btoa(binary)}`;
}
"""

JS_WRITE = """\
const write = (text) =>
  typeof process !== "undefined" ? process.stdout.write(text) : console.log(text);

// Prints the answer as it streams in (OpenAI-style server-sent events).
async function printStream(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split("\\n");
    buffer = lines.pop();
    for (const line of lines) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") return;
      // The last event may carry only the token counts (usage), with no choices.
      const delta = JSON.parse(data).choices?.[0]?.delta ?? {};
      write(delta.content ?? "");
    }
  }
}
"""
