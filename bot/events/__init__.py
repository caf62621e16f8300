"""Events: the clustering index, placing articles into events, refreshing their briefings."""
