// editeur.js: the formatting toolbar of mutu's publish and edit form.
//
// It is the only script of the site. The node serves it from its own
// files, and the form page allows it by a nonce in its
// Content-Security-Policy: no inline script, no eval. Without it the
// form works the same; the toolbar, hidden in the page, is shown here.
//
// Each button puts Markdown around the selection of the text area (or
// at the start of the selected lines), then gives the focus back to
// the text area with the words to type selected. Ctrl+B and Ctrl+I
// (Cmd on a Mac) do bold and italic from the text area. The toolbar is
// one stop of the Tab key; the arrow keys, Home and End move within it.
(function () {
	"use strict";

	var bar = document.querySelector(".barre-edition");
	var area = document.getElementById("champ-body");
	if (!bar || !area || typeof area.setSelectionRange !== "function") {
		return;
	}
	var buttons = Array.prototype.slice.call(bar.querySelectorAll("button[data-md]"));

	// replace puts text in place of the characters from start to end,
	// as typing would (so that Ctrl+Z undoes it where the browser can),
	// then selects from selStart to selEnd, counted from start.
	function replace(start, end, text, selStart, selEnd) {
		area.focus();
		area.setSelectionRange(start, end);
		var typed = false;
		try {
			typed = document.execCommand("insertText", false, text);
		} catch (e) {
			typed = false;
		}
		if (!typed || area.value.substr(start, text.length) !== text) {
			area.setRangeText(text, start, end, "end");
			area.dispatchEvent(new Event("input", { bubbles: true }));
		}
		area.setSelectionRange(start + selStart, start + selEnd);
	}

	// wrap puts before and after around the selection; with nothing
	// selected, around placeholder, which is left selected to be typed
	// over.
	function wrap(before, after, placeholder) {
		var s = area.selectionStart, e = area.selectionEnd;
		var inner = area.value.slice(s, e) || placeholder;
		replace(s, e, before + inner + after, before.length, before.length + inner.length);
	}

	// link makes the selection a link and selects the address to type;
	// with nothing selected, it selects the text of the link.
	function link() {
		var s = area.selectionStart, e = area.selectionEnd;
		var text = area.value.slice(s, e);
		var address = "https://";
		if (text) {
			replace(s, e, "[" + text + "](" + address + ")", text.length + 3, text.length + 3 + address.length);
		} else {
			text = "texte du lien";
			replace(s, e, "[" + text + "](" + address + ")", 1, 1 + text.length);
		}
	}

	// prefix starts each selected line with mark; heading replaces the
	// # a line already has.
	function prefix(mark, heading) {
		var v = area.value, s = area.selectionStart, e = area.selectionEnd;
		if (e > s && v.charAt(e - 1) === "\n") {
			e--;
		}
		var from = v.lastIndexOf("\n", s - 1) + 1;
		var to = v.indexOf("\n", e);
		if (to < 0) {
			to = v.length;
		}
		var lines = v.slice(from, to).split("\n").map(function (l) {
			if (heading) {
				l = l.replace(/^#+\s*/, "");
			}
			return l.indexOf(mark) === 0 ? l : mark + l;
		});
		var text = lines.join("\n");
		replace(from, to, text, text.length, text.length);
	}

	var actions = {
		gras: function () { wrap("**", "**", "texte en gras"); },
		italique: function () { wrap("*", "*", "texte en italique"); },
		titre: function () { prefix("## ", true); },
		liste: function () { prefix("- ", false); },
		lien: link,
		citation: function () { prefix("> ", false); }
	};

	buttons.forEach(function (b, i) {
		b.tabIndex = i === 0 ? 0 : -1;
		b.addEventListener("click", function () {
			var act = actions[b.getAttribute("data-md")];
			if (act) {
				act();
			}
		});
		b.addEventListener("focus", function () {
			buttons.forEach(function (o) { o.tabIndex = o === b ? 0 : -1; });
		});
	});

	bar.addEventListener("keydown", function (ev) {
		var i = buttons.indexOf(document.activeElement);
		if (i < 0) {
			return;
		}
		var next = {
			ArrowRight: (i + 1) % buttons.length,
			ArrowLeft: (i + buttons.length - 1) % buttons.length,
			Home: 0,
			End: buttons.length - 1
		}[ev.key];
		if (next !== undefined) {
			ev.preventDefault();
			buttons[next].focus();
		}
	});

	area.addEventListener("keydown", function (ev) {
		if (!(ev.ctrlKey || ev.metaKey) || ev.altKey || ev.shiftKey) {
			return;
		}
		var key = ev.key.toLowerCase();
		if (key === "b" || key === "i") {
			ev.preventDefault();
			actions[key === "b" ? "gras" : "italique"]();
		}
	});

	bar.hidden = false;
})();
