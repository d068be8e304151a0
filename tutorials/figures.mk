# `make figures`: rerun every chapter that draws figures and copy what it wrote (out/tutorials/NN/*.svg)
# into tutorials/figures/, the copies its .md shows. scripts/make_figures says which chapters and how.
.PHONY: figures
figures: tutorials
	@bash scripts/get_data data/tinyshakespeare.txt
	@bash scripts/make_figures $(BUILD)
