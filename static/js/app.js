// Small progressive enhancements; every page works without them.
document.addEventListener("htmx:afterRequest", (event) => {
  // A form that saved successfully (the server says so with "formReset") starts fresh.
  const form = event.detail.elt;
  if (form instanceof HTMLFormElement && event.detail.xhr.getResponseHeader("HX-Trigger")?.includes("ticketLogged")) {
    form.reset();
  }
});
