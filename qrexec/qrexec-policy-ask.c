/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qrexec-policy-ask [--default-target=TARGET] [--] SOURCE SERVICE[+ARG] TARGET...
 *
 * The dialog of the policy's `ask` action: shows who calls what, lets the
 * user pick one of the offered targets, and prints the chosen target on
 * stdout.  Exit 0: allowed; 1: denied (also: closed, no display, bad
 * arguments).  Every string is shown as plain text, never as markup.
 */
#include <gtk/gtk.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DIALOG_TITLE "Bulkhead: allow this call?"

struct ask {
        GtkWidget *window, *combo, *allow;
        const char *chosen;
        char **targets;
        int n_targets;
};

static void update_allow(struct ask *a)
{
        gtk_widget_set_sensitive(a->allow, gtk_combo_box_get_active(GTK_COMBO_BOX(a->combo)) >= 0);
}

static void on_changed(GtkComboBox *combo, gpointer data)
{
        (void)combo;
        update_allow(data);
}

static void on_allow(GtkButton *b, gpointer data)
{
        struct ask *a = data;
        int i = gtk_combo_box_get_active(GTK_COMBO_BOX(a->combo));

        (void)b;
        if (i >= 0 && i < a->n_targets) {
                a->chosen = a->targets[i];
                gtk_main_quit();
        }
}

static void on_deny(GtkButton *b, gpointer data)
{
        struct ask *a = data;

        (void)b;
        a->chosen = NULL;
        gtk_main_quit();
}

static gboolean on_delete(GtkWidget *w, GdkEvent *e, gpointer data)
{
        (void)w;
        (void)e;
        on_deny(NULL, data);
        return TRUE;
}

static gboolean on_key(GtkWidget *w, GdkEventKey *e, gpointer data)
{
        (void)w;
        if (e->keyval == GDK_KEY_Escape) {
                on_deny(NULL, data);
                return TRUE;
        }
        return FALSE;
}

static GtkWidget *plain_label(const char *text)
{
        /* gtk_label_new never parses markup: names and services stay text. */
        GtkWidget *l = gtk_label_new(text);

        gtk_label_set_xalign(GTK_LABEL(l), 0.0f);
        gtk_label_set_selectable(GTK_LABEL(l), FALSE);
        return l;
}

int main(int argc, char **argv)
{
        struct ask a = { 0 };
        const char *deflt = NULL, *source, *service;
        GtkWidget *box, *buttons, *deny;
        char line[512];
        int i = 1, active = -1;

        bh_log_init(argv[0]);
        for (; i < argc; i++) {
                if (strncmp(argv[i], "--default-target=", 17) == 0)
                        deflt = argv[i] + 17;
                else if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                } else
                        break;
        }
        if (argc - i < 3) {
                bh_log_error("usage: qrexec-policy-ask [--default-target=T] SOURCE SERVICE TARGET...");
                return 1;
        }
        source = argv[i];
        service = argv[i + 1];
        a.targets = argv + i + 2;
        a.n_targets = argc - i - 2;

        if (!getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY")) {
                bh_log_error("%s wants %s: no display to ask on, denying", source, service);
                return 1;
        }
        /* GTK sees no arguments: ours are names, never GTK options. */
        if (!gtk_init_check(NULL, NULL)) {
                bh_log_error("%s wants %s: cannot open the display, denying", source, service);
                return 1;
        }

        a.window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
        gtk_window_set_title(GTK_WINDOW(a.window), DIALOG_TITLE);
        gtk_window_set_keep_above(GTK_WINDOW(a.window), TRUE);
        gtk_window_set_position(GTK_WINDOW(a.window), GTK_WIN_POS_CENTER);
        gtk_container_set_border_width(GTK_CONTAINER(a.window), 12);
        box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
        gtk_container_add(GTK_CONTAINER(a.window), box);

        snprintf(line, sizeof(line), "Domain: %s", source);
        gtk_box_pack_start(GTK_BOX(box), plain_label(line), FALSE, FALSE, 0);
        snprintf(line, sizeof(line), "wants to call: %s", service);
        gtk_box_pack_start(GTK_BOX(box), plain_label(line), FALSE, FALSE, 0);
        gtk_box_pack_start(GTK_BOX(box), plain_label("in the domain:"), FALSE, FALSE, 0);

        a.combo = gtk_combo_box_text_new();
        for (int t = 0; t < a.n_targets; t++) {
                gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(a.combo), a.targets[t]);
                if (deflt && strcmp(deflt, a.targets[t]) == 0)
                        active = t;
        }
        gtk_combo_box_set_active(GTK_COMBO_BOX(a.combo), active);
        gtk_box_pack_start(GTK_BOX(box), a.combo, FALSE, FALSE, 0);

        buttons = gtk_button_box_new(GTK_ORIENTATION_HORIZONTAL);
        gtk_button_box_set_layout(GTK_BUTTON_BOX(buttons), GTK_BUTTONBOX_END);
        gtk_box_set_spacing(GTK_BOX(buttons), 6);
        deny = gtk_button_new_with_label("Deny");
        a.allow = gtk_button_new_with_label("Allow");
        gtk_container_add(GTK_CONTAINER(buttons), deny);
        gtk_container_add(GTK_CONTAINER(buttons), a.allow);
        gtk_box_pack_start(GTK_BOX(box), buttons, FALSE, FALSE, 0);

        g_signal_connect(a.combo, "changed", G_CALLBACK(on_changed), &a);
        g_signal_connect(a.allow, "clicked", G_CALLBACK(on_allow), &a);
        g_signal_connect(deny, "clicked", G_CALLBACK(on_deny), &a);
        g_signal_connect(a.window, "delete-event", G_CALLBACK(on_delete), &a);
        g_signal_connect(a.window, "key-press-event", G_CALLBACK(on_key), &a);
        update_allow(&a);

        /* Enter allows the preselected target: Allow is the default and has
         * the focus; without a preselection Allow stays insensitive until the
         * user picks, so Enter alone cannot pick for them. */
        gtk_widget_set_can_default(a.allow, TRUE);
        gtk_widget_show_all(a.window);
        gtk_window_set_default(GTK_WINDOW(a.window), a.allow);
        if (active >= 0)
                gtk_widget_grab_focus(a.allow);
        else
                gtk_widget_grab_focus(a.combo);
        gtk_window_present(GTK_WINDOW(a.window));
        gtk_main();

        if (!a.chosen) {
                bh_log_info("%s wants %s: denied by the user", source, service);
                return 1;
        }
        printf("%s\n", a.chosen);
        return fflush(stdout) == 0 ? 0 : 1;
}
