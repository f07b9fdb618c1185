"""Credit scoring (客户信用评价): optimal binning, scorecards, reasons, export, monitoring."""
