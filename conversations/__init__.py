"""Conversations with shoppers: the staff inbox (threads, messages, keyword auto-replies,
staff mode, business hours) and post-purchase feedback surveys."""
