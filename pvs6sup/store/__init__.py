"""What the supervisor keeps on disk, one small module per file it owns."""
