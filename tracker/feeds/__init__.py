"""News in (issue 12): feeds read, entries matched to the items tracker holds, and the
changes they report proposed for the inbox.

parse: a feed's bytes to entries, hostile ones refused; fetch: polite HTTP; match: which
item an entry is about; signals: which change it reports, and what unsays it; propose:
the proposals, with confidence and evidence; news and inbox: what the commands do.
"""
