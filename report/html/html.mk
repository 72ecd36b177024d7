# The HTML report's script and style sheet, embedded into the binary.
#
# report/html/js/*.js and report.css stay readable source files.  The
# script is split by concern into parts of one function scope, joined in
# name order into $(BUILD)/gen/report.js; scripts/embed.sh turns that and
# the style sheet into C arrays in $(BUILD)/gen/html_assets.c
# (gr_html_report_js, gr_html_report_css), whose object joins the library
# beside report/html.o.  Include from the top Makefile after BUILD and
# ALL_CFLAGS are set; the guard keeps `all` the default goal.

ifeq ($(.DEFAULT_GOAL),)
.DEFAULT_GOAL := all
endif

HTML_JS_PARTS   := $(sort $(wildcard report/html/js/*.js))
HTML_JS         := $(BUILD)/gen/report.js
HTML_ASSETS_C   := $(BUILD)/gen/html_assets.c
HTML_ASSETS_OBJ := $(BUILD)/obj/gen/html_assets.o

$(HTML_JS): $(HTML_JS_PARTS) report/html/html.mk
	@mkdir -p $(dir $@)
	cat $(HTML_JS_PARTS) >$@

$(HTML_ASSETS_C): $(HTML_JS) report/html/report.css scripts/embed.sh report/html/html.mk
	@mkdir -p $(dir $@)
	scripts/embed.sh $@ gr_html_report_js=$(HTML_JS) \
		gr_html_report_css=report/html/report.css

$(HTML_ASSETS_OBJ): $(HTML_ASSETS_C)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# A prerequisite without a recipe: the archive rule's `ar rcs $@ $^` picks
# the object up with the others.
$(BUILD)/libgoretain.a: $(HTML_ASSETS_OBJ)
