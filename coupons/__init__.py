"""Coupons: definitions marketers configure and single-use coupons issued to members."""
