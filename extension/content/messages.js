// Messages: to the service worker (never throwing into the page: it may be restarting or gone),
// and the answers this page gives the popup and the worker (state, keyboard commands, reveal, the
// server being back). Also the rule titles the card shows, which come from the worker.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});

  async function send(message) {
    try {
      return await chrome.runtime.sendMessage(message);
    } catch (_) {
      return null;
    }
  }

  // handlers: {state() -> object, command(name) -> focus index, reveal(index) -> bool, serverUp()}
  function listen(handlers) {
    chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
      if (!message || typeof message.type !== "string") return false;
      if (message.type === "state") {
        // what the page status knows (status.js): the server's error, whether counts are known
        const page = NS.status && NS.status.page;
        sendResponse(Object.assign({}, handlers.state(), page ? page.describe() : {}));
      } else if (message.type === "command") {
        sendResponse({ ok: true, index: handlers.command(message.command) });
      } else if (message.type === "reveal") {
        sendResponse({ ok: handlers.reveal(Number(message.index) || 0) });
      } else if (message.type === "server-up") {
        handlers.serverUp();
        sendResponse({ ok: true });
      }
      return false;
    });
  }

  // Rule titles from GET /rules (through the worker); a rule id stands in until they arrive.
  class RuleTitles {
    constructor() {
      this.rules = null;
    }

    describe(id) {
      return (this.rules && this.rules[id] && this.rules[id].title) || id;
    }

    get known() {
      return !!this.rules;
    }

    async ensure() {
      if (this.rules) return;
      const reply = await send({ type: "rules" });
      if (reply && reply.ok && Array.isArray(reply.rules)) {
        this.rules = Object.fromEntries(reply.rules.map((r) => [r.id, r]));
      }
    }
  }

  NS.messages = { send, listen, RuleTitles };
})();
