"""Reports: leaderboard tables in several formats, plots and HTML summaries."""
