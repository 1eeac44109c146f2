"""What makes builds fast and safe, apart from the stages that make the output: the cache
(`cache`), the workers (`workers`, `render_helper`), the patch of the last build for prose-only
edits (`prose_patch`) and the writer that swaps OUT in whole (`writer`)."""
