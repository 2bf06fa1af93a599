"""Parts of a page that rerun alone. A control inside such a part (a tab, a slider of the open tab) reruns only
that part: not the sidebar, the navigation or the rest of the page, whose widgets cost the server ~10-15 ms of
CPU per run (issue 13's class of 100 on one process). The address bar stays the share link (and the sidebar's
open 'Share this view' box too: links.sync_part).

    @ui.rerun_alone
    def sections():                      # reads the page's p, tr, g as the last full run left them
        ...
    sections()

A control outside the part (the sidebar's model, say) still reruns the whole page, this part included.
"""
import functools

import streamlit as st

from . import links


def rerun_alone(body):
    """body as an st.fragment that ends by writing the session's state into the address bar (links.sync_part)."""
    @st.fragment
    @functools.wraps(body)            # the fragment's id comes from body's module and name: one per page part
    def part(*args, **kwargs):
        body(*args, **kwargs)
        links.sync_part()
    return part
