// A rewrite chosen on the card goes into the draft the way a user's own typing does: the span is
// selected (a DOM selection over it, or the textarea's selection), then the browser's insertText
// command replaces it. That fires the beforeinput / input events the editor itself handles
// (CKEditor 5 and Lexical read beforeinput; a textarea does it natively), so the editor's model
// stays consistent and Ctrl+Z undoes the rewrite. The editor's DOM is never written directly.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  // The editor learns of a new DOM selection from the (asynchronous) selectionchange event.
  function selectionSettled() {
    return new Promise((resolve) => {
      const done = () => {
        document.removeEventListener("selectionchange", done);
        clearTimeout(timer);
        // one more task: the editor's own selectionchange listener runs after ours
        setTimeout(resolve, 0);
      };
      const timer = setTimeout(done, 100);
      document.addEventListener("selectionchange", done);
    });
  }

  // For editors that handle beforeinput but not execCommand: the replacement as an InputEvent
  // (what spell-check suggestions send), over the selected range.
  function dispatchReplacement(target, range, text) {
    let data = null;
    try {
      data = new DataTransfer();
      data.setData("text/plain", text);
    } catch (_) { data = null; }
    const event = new InputEvent("beforeinput", {
      inputType: "insertReplacementText", data: text, dataTransfer: data, bubbles: true,
      cancelable: true, composed: true,
      targetRanges: [new StaticRange({
        startContainer: range.startContainer, startOffset: range.startOffset,
        endContainer: range.endContainer, endOffset: range.endOffset,
      })],
    });
    target.dispatchEvent(event);
    return event.defaultPrevented; // the editor took it
  }

  // Replace `range` (inside the contenteditable `root`) with text. -> bool
  // First as the replacement a spell-checker sends (beforeinput insertReplacementText over the
  // span): editors with a model of their own (CKEditor 5, Lexical) take it, apply it to their
  // model as one undo step and cancel the event. Chrome's insertText command sends them no
  // beforeinput and writes the DOM behind their back (CKEditor then re-renders its model over
  // it), so it is only for plain contenteditable roots, which have no such handler: the browser
  // edits them itself and keeps the undo step.
  async function replaceInEditable(root, range, text) {
    if (document.activeElement !== root) {
      root.focus({ preventScroll: true });
      await new Promise((resolve) => setTimeout(resolve, 80)); // editors note focus after a moment
    }
    const selection = document.getSelection();
    selection.removeAllRanges();
    selection.addRange(range.cloneRange());
    await selectionSettled();
    const current = selection.rangeCount ? selection.getRangeAt(0) : range;
    if (dispatchReplacement(root, current, text)) return true;
    return document.execCommand("insertText", false, text);
  }

  // Replace [start, end) of a textarea's value with text. -> bool
  function replaceInTextarea(textarea, start, end, text) {
    textarea.focus({ preventScroll: true });
    textarea.setSelectionRange(start, end);
    if (document.execCommand("insertText", false, text)) return true;
    // No execCommand here: still through the textarea's own editing (no undo step then).
    textarea.setRangeText(text, start, end, "end");
    textarea.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertReplacementText", data: text }));
    return true;
  }

  NS.draftEdit = { replaceInEditable, replaceInTextarea };
})();
