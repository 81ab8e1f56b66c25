// Buttons of djongo-core's document widgets: add, remove and reorder rows of embedded
// documents, add and remove items of a list. Without this script the forms still work: the
// order and delete inputs of each row and the blank input of each list do the same.
"use strict";
(function () {
    function visibleRows(list) {
        return Array.from(list.querySelectorAll(":scope > .djongo-rows > .djongo-row"))
            .filter((row) => !row.hidden);
    }

    // The order inputs follow the rows' order on the page.
    function renumber(list) {
        visibleRows(list).forEach((row, index) => {
            const order = row.querySelector(":scope > .djongo-row-fields > .djongo-order input");
            if (order) {
                order.value = index + 1;
            }
        });
    }

    function addRow(list) {
        const total = list.querySelector(":scope > input[name$='-TOTAL_FORMS']");
        const template = list.querySelector(":scope > template.djongo-empty-row");
        const index = Number(total.value);
        const html = template.innerHTML.replaceAll("__prefix__", String(index));
        list.querySelector(":scope > .djongo-rows").insertAdjacentHTML("beforeend", html);
        total.value = index + 1;
        renumber(list);
        const rows = visibleRows(list);
        const first = rows[rows.length - 1].querySelector(".djongo-subfield input, .djongo-subfield textarea");
        if (first) {
            first.focus();
        }
    }

    function removeRow(row) {
        // Kept in the form, marked deleted, so the formset's numbering stays intact.
        const remove = row.querySelector(":scope > .djongo-row-fields > .djongo-delete input");
        remove.checked = true;
        row.hidden = true;
        renumber(row.closest(".djongo-list"));
    }

    function moveRow(row, step) {
        const list = row.closest(".djongo-list");
        const rows = visibleRows(list);
        const target = rows[rows.indexOf(row) + step];
        if (target) {
            target.insertAdjacentElement(step < 0 ? "beforebegin" : "afterend", row);
        }
        renumber(list);
    }

    function addItem(items) {
        const template = items.querySelector(":scope > template.djongo-empty-item");
        const list = items.querySelector(":scope > .djongo-item-list");
        list.insertAdjacentHTML("beforeend", template.innerHTML);
        const added = list.lastElementChild.querySelector("input, select, textarea");
        if (added) {
            added.focus();
        }
    }

    const actions = {
        "add-row": (button) => addRow(button.closest(".djongo-list")),
        "remove-row": (button) => removeRow(button.closest(".djongo-row")),
        "move-up": (button) => moveRow(button.closest(".djongo-row"), -1),
        "move-down": (button) => moveRow(button.closest(".djongo-row"), 1),
        "add-item": (button) => addItem(button.closest(".djongo-items")),
        "remove-item": (button) => button.closest(".djongo-item").remove(),
    };

    document.addEventListener("click", (event) => {
        const button = event.target.closest("[data-djongo-action]");
        if (button && actions[button.dataset.djongoAction]) {
            event.preventDefault();
            actions[button.dataset.djongoAction](button);
        }
    });

    document.addEventListener("DOMContentLoaded", () => {
        document.documentElement.classList.add("djongo-scripted");
        document.querySelectorAll(".djongo-list").forEach(renumber);
    });
})();
