# The layout packs (layouts/packs.h), compiled into the library.
#
# Every layouts/packs/go1.NN.pack becomes a C array in
# $(BUILD)/gen/layout_packs.c (scripts/embed-packs.sh), whose object joins
# the archive beside layouts/packs.o.  Include after BUILD and ALL_CFLAGS.

LAYOUT_PACKS     := $(sort $(wildcard layouts/packs/go1.*.pack))
LAYOUT_PACKS_C   := $(BUILD)/gen/layout_packs.c
LAYOUT_PACKS_OBJ := $(BUILD)/obj/gen/layout_packs.o

$(LAYOUT_PACKS_C): $(LAYOUT_PACKS) scripts/embed-packs.sh scripts/embed.sh layouts/packs/packs.mk
	@mkdir -p $(dir $@)
	scripts/embed-packs.sh $@ $(LAYOUT_PACKS)

$(LAYOUT_PACKS_OBJ): $(LAYOUT_PACKS_C)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libgoretain.a: $(LAYOUT_PACKS_OBJ)
