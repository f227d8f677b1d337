// The copy button copies the code a reader runs, not the output shown in it: lines that
// start with `#>` are what the example printed (the test suite compares them), not code.
document.addEventListener("copy", (event) => {
  const active = document.activeElement;
  // Material's copy button copies through a temporary, selected textarea.
  const text =
    active instanceof HTMLTextAreaElement
      ? active.value.substring(active.selectionStart, active.selectionEnd)
      : String(window.getSelection());
  if (!/^\s*#>/m.test(text)) return;
  const code = text
    .split("\n")
    .filter((line) => !/^\s*#>/.test(line))
    .join("\n");
  event.clipboardData.setData("text/plain", code);
  event.preventDefault();
});
