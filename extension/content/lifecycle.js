// On and off, per site, and what each change of the settings redoes: rules or server changed ->
// show the change from what is known, then ask again; "show clear uses" -> render only.
(function () {
  "use strict";
  const NS = (globalThis.AlignLens = globalThis.AlignLens || {});
  const S = globalThis.AlignLensSettings;

  class Lifecycle {
    // page: {settings, active, focusIndex}; listeners: [{attach(), detach()}] (clicks, keys)
    constructor({ page, scanner, renderer, watcher, listeners, dismissals, status, ui, supported }) {
      Object.assign(this, { page, scanner, renderer, watcher, listeners, dismissals, status, ui, supported });
    }

    host() {
      return location.hostname;
    }

    start() {
      S.load()
        .catch(() => S.normalize(null))
        .then((settings) => {
          this.page.settings = settings;
          if (S.hostEnabled(settings, this.host())) this.activate();
          else {
            this.status.set("off");
            this.status.attr("count", 0);
          }
        });
      chrome.storage.onChanged.addListener((changes, area) => {
        if (area === "local" && changes[S.STORAGE_KEY]) this.applySettings(S.normalize(changes[S.STORAGE_KEY].newValue));
      });
    }

    activate() {
      if (this.page.active) return;
      this.page.active = true;
      if (!this.supported()) {
        this.status.set("unsupported");
        return;
      }
      this.watcher.start();
      for (const l of this.listeners) l.attach();
      this.status.set("scanning");
      // Start after the page's first frame, so its own first layout is not counted in our work.
      // (Hidden tabs get no animation frames: the timer covers them.)
      const afterFrame = new Promise((resolve) => {
        requestAnimationFrame(() => setTimeout(resolve, 0));
        setTimeout(resolve, 200);
      });
      Promise.all([this.dismissals.load(), afterFrame]).then(() => this.scanner.scan());
    }

    deactivate() {
      if (!this.page.active) return;
      this.page.active = false;
      this.scanner.stop();
      this.watcher.stop();
      for (const l of this.listeners) l.detach();
      this.renderer.clear();
      this.status.set("off");
      this.status.reportCount(0);
    }

    // The watcher saw the page change; after client-side navigation it is a new page view.
    onPageChange({ urlChanged }) {
      if (!this.page.active) return;
      if (urlChanged) {
        this.ui.close(false);
        this.page.focusIndex = -1;
        this.scanner.newPageView();
        this.dismissals.load().then(() => this.scanner.scan());
        return;
      }
      this.scanner.scan();
    }

    applySettings(next) {
      const prev = this.page.settings;
      this.page.settings = next;
      if (!S.hostEnabled(next, this.host())) {
        this.deactivate();
        return;
      }
      if (!this.page.active) {
        this.activate();
        return;
      }
      const rulesChanged = JSON.stringify(prev.disabledRules) !== JSON.stringify(next.disabledRules);
      if (prev.serverUrl !== next.serverUrl) this.scanner.serverChanged();
      if (rulesChanged || prev.serverUrl !== next.serverUrl) {
        // Show the change at once from what is known; the answers, now stale under the new
        // inputs (see client-cache.js), are asked for again.
        this.renderer.render().then(() => this.scanner.scan());
      } else if (prev.showClear !== next.showClear) {
        this.renderer.render();
      }
    }
  }

  NS.lifecycle = { Lifecycle };
})();
