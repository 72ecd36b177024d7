# The HTML report's script and style sheet, embedded into the binary.
#
# report/html/report.js and report.css stay readable source files; at build
# time scripts/embed.sh turns them into C arrays in $(BUILD)/gen/html_assets.c
# (gr_html_report_js, gr_html_report_css), whose object joins the library
# beside report/html.o.  Include from the top Makefile after BUILD and
# ALL_CFLAGS are set; the guard keeps `all` the default goal.

ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

HTML_ASSETS     := report/html/report.js report/html/report.css
HTML_ASSETS_C   := $(BUILD)/gen/html_assets.c
HTML_ASSETS_OBJ := $(BUILD)/obj/gen/html_assets.o

$(HTML_ASSETS_C): $(HTML_ASSETS) scripts/embed.sh report/html/html.mk
	@mkdir -p $(dir $@)
	scripts/embed.sh $@ gr_html_report_js=report/html/report.js \
		gr_html_report_css=report/html/report.css

$(HTML_ASSETS_OBJ): $(HTML_ASSETS_C)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# A prerequisite without a recipe: the archive rule's `ar rcs $@ $^` picks
# the object up with the others.
$(BUILD)/libgoretain.a: $(HTML_ASSETS_OBJ)
